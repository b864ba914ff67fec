# The release before the shared s3_bucket module (before/) is applied against a mocked hashicorp/aws
# provider, then the current module plans on that state: every resource must move, none be created or
# destroyed. https://developer.hashicorp.com/terraform/language/modules/develop/refactoring
mock_provider "aws" {
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
}

variables {
  bucket_name       = "acme-ml-tfstate"
  access_log_bucket = "acme-ml-prod-access-logs-111111111111"
  state_access      = [{ principal_arn = "arn:aws:iam::111111111111:role/acme-ml-deploy", key_prefix = "acme-ml/prod" }]
  protect           = true
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
