provider "aws" {
  region = "us-east-1"
}

# A key from another account's configuration: its policy is not in this code, so nothing is judged.
module "pool" {
  source      = "../../../modules/pool"
  kms_key_arn = "arn:aws:kms:us-east-1:444444444444:key/0d8f2a4c-1111-2222-3333-444455556666"
}
