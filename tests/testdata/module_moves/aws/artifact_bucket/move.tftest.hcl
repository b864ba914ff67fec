# The release before the shared s3_bucket module (before/) is applied against a mocked hashicorp/aws
# provider, then the current module plans on that state: every resource must move, none be created or
# destroyed. https://developer.hashicorp.com/terraform/language/modules/develop/refactoring
mock_provider "aws" {
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
}

variables {
  name                  = "acme-ml-prod-artifacts-111111111111"
  kms_key_arn           = "arn:aws:kms:us-east-1:111111111111:key/0d8f2a4c-1111-2222-3333-444455556666"
  access_log_bucket     = "acme-ml-prod-access-logs-111111111111"
  reader_principal_arns = ["arn:aws:iam::222222222222:role/acme-ml-serving"]
  writer_principal_arns = ["arn:aws:iam::111111111111:role/acme-ml-training"]
  only_writers_write    = true
  protect               = true
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
