# The key's full ARN works from any account the key policy allows.
terraform {
  backend "s3" {
    bucket       = "acme-tfstate"
    key          = "acme/dev/base.tfstate"
    region       = "us-east-1"
    encrypt      = true
    kms_key_id   = "arn:aws:kms:us-east-1:444444444444:key/0b0f8f3a-2c6e-4f3d-9a1b-1f2e3d4c5b6a"
    use_lockfile = true
    assume_role = {
      role_arn = "arn:aws:iam::111111111111:role/acme-dev-deploy"
    }
  }
}
