# Applies of the kms_key module against a mocked hashicorp/aws provider (no AWS account needed).
# A fresh account has no Auto Scaling service-linked role until its first Auto Scaling group; the module
# creates it so the key policy may name it. Once created, the role exists, and the plan must keep it:
# deleting a service-linked role that Auto Scaling groups use fails (the deletion task ends FAILED,
# hashicorp/terraform-provider-aws#12937), and the role is the account's, shared by every state that
# needs it (hashicorp/terraform-provider-aws#29318).
mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "111111111111" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
}

variables {
  description           = "acme-ml-dev: platform data"
  alias                 = "acme-ml-dev-platform"
  protect               = false
  allow_ebs_autoscaling = true
}

run "a_fresh_account_gets_the_autoscaling_role" {
  command = apply

  override_data {
    target = data.aws_iam_roles.autoscaling[0]
    values = { names = [] }
  }

  assert {
    condition     = length(aws_iam_service_linked_role.autoscaling) == 1
    error_message = "a fresh account has no AWSServiceRoleForAutoScaling: the module must create it"
  }
}

# The next plan (the first apply's own role is now listed): the role stays, nothing is destroyed.
run "the_role_created_here_is_kept_on_the_next_plan" {
  command = plan

  override_data {
    target = data.aws_iam_roles.autoscaling[0]
    values = { names = ["AWSServiceRoleForAutoScaling"] }
  }

  assert {
    condition     = length(aws_iam_service_linked_role.autoscaling) == 1
    error_message = "the second plan must not destroy the service-linked role the first apply created"
  }
}
