# An account that already has the Auto Scaling service-linked role (any earlier Auto Scaling group made
# it): creating it again fails ("Service role name AWSServiceRoleForAutoScaling has been taken in this
# account", hashicorp/terraform-provider-aws#29318), so the module creates none, now or later.
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

override_data {
  target = data.aws_iam_roles.autoscaling[0]
  values = { names = ["AWSServiceRoleForAutoScaling"] }
}

run "an_existing_role_is_not_created_again" {
  command = apply

  assert {
    condition     = length(aws_iam_service_linked_role.autoscaling) == 0
    error_message = "the account's existing service-linked role must not be created again"
  }
}

run "nor_on_the_next_plan" {
  command = plan

  assert {
    condition     = length(aws_iam_service_linked_role.autoscaling) == 0
    error_message = "the account's existing service-linked role must stay unmanaged"
  }
}

run "without_ebs_autoscaling_nothing_is_looked_up" {
  command = plan

  variables {
    allow_ebs_autoscaling = false
  }

  assert {
    condition     = length(data.aws_iam_roles.autoscaling) == 0 && length(aws_iam_service_linked_role.autoscaling) == 0
    error_message = "without allow_ebs_autoscaling the module neither reads nor creates the role"
  }
}
