# The key's full ARN works from any account the key policy allows.
terraform {
  backend "s3" {
    bucket       = "acme-tfstate"
    key          = "acme/dev/base.tfstate"
    region       = "us-east-1"
    encrypt      = true
    kms_key_id   = "arn:aws:kms:us-east-1:444444444444:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    use_lockfile = true
    assume_role = {
      role_arn = "arn:aws:iam::111111111111:role/acme-dev-deploy"
    }
  }
}
