# The deploy role is in 111111111111, the state key's alias in 444444444444: S3 would look for the
# alias in 111111111111.
terraform {
  backend "s3" {
    bucket       = "acme-tfstate"
    key          = "acme/dev/base.tfstate"
    region       = "us-east-1"
    encrypt      = true
    kms_key_id   = "arn:aws:kms:us-east-1:444444444444:alias/acme-tfstate" # MLS027
    use_lockfile = true
    assume_role = {
      role_arn = "arn:aws:iam::111111111111:role/acme-dev-deploy"
    }
  }
}
