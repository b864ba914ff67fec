# The release before the shared node_role module (before/) is applied against a mocked hashicorp/aws
# provider, then the current module plans on that state: the node role and its attachments must move,
# nothing be created or destroyed. https://developer.hashicorp.com/terraform/language/modules/develop/refactoring
mock_provider "aws" {
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::111111111111:role/acme-ml-prod-karpenter-node-20260101000000000000000001" }
  }
  mock_resource "aws_sqs_queue" {
    defaults = { arn = "arn:aws:sqs:us-east-1:111111111111:acme-ml-prod-karpenter" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "111111111111" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
}

variables {
  cluster_name              = "acme-ml-prod"
  cluster_security_group_id = "sg-0123456789abcdef0"
  kms_key_arn               = "arn:aws:kms:us-east-1:111111111111:key/0d8f2a4c-1111-2222-3333-444455556666"
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
