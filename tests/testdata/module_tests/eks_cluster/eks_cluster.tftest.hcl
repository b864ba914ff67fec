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
