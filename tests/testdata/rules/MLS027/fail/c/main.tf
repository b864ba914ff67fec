# A bare alias names no account: writing as the deploy role of 111111111111, S3 looks for the alias there,
# wherever the state bucket and its key are.
terraform {
  backend "s3" {
    bucket       = "acme-tfstate"
    key          = "acme/dev/base.tfstate"
    region       = "us-east-1"
    encrypt      = true
    kms_key_id   = "alias/acme-tfstate" # MLS027
    use_lockfile = true
    assume_role = {
      role_arn = "arn:aws:iam::111111111111:role/acme-dev-deploy"
    }
  }
}
