"""The review gate on Terraform plans: checks per resource change, IAM widening, source locations."""
