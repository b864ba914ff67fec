# The release before the shared security_group module (before/) is applied against a mocked hashicorp/aws
# provider, then the current module plans on that state: every resource must move, none be created or
# destroyed. https://developer.hashicorp.com/terraform/language/modules/develop/refactoring
mock_provider "aws" {
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::111111111111:role/acme-ml-prod-metadata-monitoring" }
  }
  mock_resource "aws_db_instance" {
    defaults = { master_user_secret = [{ secret_arn = "arn:aws:secretsmanager:us-east-1:111111111111:secret:rds!db-0a", kms_key_id = "k", secret_status = "active" }] }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
}

variables {
  name                       = "acme-ml-prod-metadata"
  vpc_id                     = "vpc-0123456789abcdef0"
  subnet_ids                 = ["subnet-0a", "subnet-0b"]
  allowed_security_group_ids = ["sg-0123456789abcdef0", "sg-0fedcba9876543210"]
  kms_key_arn                = "arn:aws:kms:us-east-1:111111111111:key/0d8f2a4c-1111-2222-3333-444455556666"
  multi_az                   = true
  protect                    = true
}

run "before" {
  command   = apply
  state_key = "move"

  module {
    source = "./tests/before"
  }
}

run "after" {
  command   = plan
  state_key = "move"
}
