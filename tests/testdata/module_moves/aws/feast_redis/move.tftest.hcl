# The release before the shared security_group module (before/) is applied against a mocked hashicorp/aws
# provider, then the current module plans on that state: every resource must move, none be created or
# destroyed. https://developer.hashicorp.com/terraform/language/modules/develop/refactoring
mock_provider "aws" {
  mock_resource "aws_elasticache_user" {
    defaults = { arn = "arn:aws:elasticache:us-east-1:111111111111:user:acme-ml-prod-feast" }
  }
  mock_resource "aws_elasticache_replication_group" {
    defaults = { arn = "arn:aws:elasticache:us-east-1:111111111111:replicationgroup:acme-ml-prod-feast" }
  }
}

variables {
  name                       = "acme-ml-prod-feast"
  vpc_id                     = "vpc-0123456789abcdef0"
  subnet_ids                 = ["subnet-0a", "subnet-0b"]
  allowed_security_group_ids = ["sg-0123456789abcdef0"]
  kms_key_arn                = "arn:aws:kms:us-east-1:111111111111:key/0d8f2a4c-1111-2222-3333-444455556666"
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
