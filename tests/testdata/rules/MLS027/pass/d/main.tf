# A bare alias without a role to assume: the writer's own credentials, so the writer's own account's key,
# which is the caller's choice (nothing in the backend names another account).
terraform {
  backend "s3" {
    bucket       = "acme-tfstate"
    key          = "acme/dev/base.tfstate"
    region       = "us-east-1"
    encrypt      = true
    kms_key_id   = "alias/acme-tfstate"
    use_lockfile = true
  }
}
