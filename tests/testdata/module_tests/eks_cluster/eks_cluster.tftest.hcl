# Plans of the eks_cluster module against a mocked hashicorp/aws provider (no AWS account needed).
mock_provider "aws" {
  mock_resource "aws_eks_cluster" {
    defaults = {
      identity              = [{ oidc = [{ issuer = "https://oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF" }] }]
      certificate_authority = [{ data = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t" }]
    }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::111111111111:role/acme-ml-prod-cluster-20260101000000000000000001" }
  }
  mock_resource "aws_launch_template" {
    defaults = { id = "lt-0123456789abcdef0" }
  }
  mock_data "aws_eks_addon_version" {
    defaults = { version = "v1.20.0-eksbuild.1" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  # the cluster admins that are roles of this account exist (the look-up before their access entries)
  mock_data "aws_iam_roles" {
    defaults = { arns = ["arn:aws:iam::111111111111:role/platform-admin"] }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "111111111111" }
  }
  mock_data "aws_subnet" {
    defaults = { vpc_id = "vpc-0123456789abcdef0" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
}

variables {
  name                 = "acme-ml-prod"
  kubernetes_version   = "1.33"
  vpc_id               = "vpc-0123456789abcdef0"
  subnet_ids           = ["subnet-0a", "subnet-0b"]
  kms_key_arn          = "arn:aws:kms:us-east-1:111111111111:key/0d8f2a4c-1111-2222-3333-444455556666"
  admin_principal_arns = ["arn:aws:iam::111111111111:role/platform-admin"]
  system_min_size      = 2
  protect              = true
}

# A new environment: no cluster exists yet, so the plan must not need one to read the system node
# group's size from (a data source reading the cluster being created is only read at apply, and a
# for_each over its result cannot be planned).
run "a_new_cluster_plans_and_its_system_nodes_start_at_min" {
  command = plan

  assert {
    condition     = aws_eks_node_group.system.scaling_config[0].desired_size == 2
    error_message = "a new system node group starts at system_min_size"
  }
}

# An existing cluster whose autoscaler scaled the system group to 3: the plan keeps 3.
run "an_existing_system_group_keeps_its_autoscaled_size" {
  command = plan

  override_data {
    target = data.aws_eks_clusters.existing
    values = { names = ["other", "acme-ml-prod"] }
  }

  override_data {
    target = data.aws_eks_node_groups.existing[0]
    values = { names = ["system", "training"] }
  }

  override_data {
    target = data.aws_eks_node_group.system["system"]
    values = { scaling_config = [{ desired_size = 3, min_size = 2, max_size = 4 }] }
  }

  assert {
    condition     = aws_eks_node_group.system.scaling_config[0].desired_size == 3
    error_message = "the system group's size is the autoscaler's once the group exists"
  }
}

# EKS refuses an access entry for a principal that does not exist ("The specified principalArn is invalid:
# invalid principal", terraform-aws-modules/terraform-aws-eks#2969, an IAM Identity Center role given without its
# path): an admin role of this account that IAM does not list stops the plan, before the cluster is created.
run "an_admin_role_that_does_not_exist_stops_the_plan" {
  command = plan

  variables {
    admin_principal_arns = ["arn:aws:iam::111111111111:role/AWSReservedSSO_Admin_0123456789abcdef"]
  }

  override_data {
    target = data.aws_iam_roles.admin["arn:aws:iam::111111111111:role/AWSReservedSSO_Admin_0123456789abcdef"]
    values = { arns = ["arn:aws:iam::111111111111:role/platform-admin"] }
  }

  expect_failures = [data.aws_iam_roles.admin]
}

# The Identity Center role named with its path is looked up under that path; a role of another account is not
# looked up (this account cannot list it).
run "admin_roles_are_looked_up_under_their_path_in_this_account_only" {
  command = plan

  variables {
    admin_principal_arns = [
      "arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0123456789abcdef",
      "arn:aws:iam::222222222222:role/platform-admin",
    ]
  }

  override_data {
    target = data.aws_iam_roles.admin["arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0123456789abcdef"]
    values = { arns = ["arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0123456789abcdef"] }
  }

  assert {
    condition = (
      length(local.account_admin_roles) == 1
      && local.account_admin_roles["arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0123456789abcdef"] == "/aws-reserved/sso.amazonaws.com/eu-west-1/"
    )
    error_message = "only this account's admin roles are looked up, each under its own path"
  }

  assert {
    condition     = length(aws_eks_access_entry.admin) == 2
    error_message = "both admins get their access entry"
  }
}

run "an_admin_role_without_a_path_is_looked_up_under_the_root_path" {
  command = plan

  assert {
    condition     = local.account_admin_roles["arn:aws:iam::111111111111:role/platform-admin"] == "/"
    error_message = "a role without a path is listed under /"
  }
}
