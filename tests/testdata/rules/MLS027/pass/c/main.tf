# An alias ARN in the account the backend writes from resolves to that account's key.
terraform {
  backend "s3" {
    bucket       = "acme-tfstate"
    key          = "acme/dev/base.tfstate"
    region       = "us-east-1"
    encrypt      = true
    kms_key_id   = "arn:aws:kms:us-east-1:444444444444:alias/acme-tfstate"
    use_lockfile = true
    assume_role = {
      role_arn = "arn:aws:iam::444444444444:role/acme-state-admin"
    }
  }
}
