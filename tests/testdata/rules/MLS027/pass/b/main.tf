# No encrypt, no kms_key_id: no SSE header is sent, the bucket's default encryption decides.
terraform {
  backend "s3" {
    bucket       = "acme-tfstate"
    key          = "acme/dev/base.tfstate"
    region       = "us-east-1"
    use_lockfile = true
    assume_role = {
      role_arn = "arn:aws:iam::111111111111:role/acme-dev-deploy"
    }
  }
}
