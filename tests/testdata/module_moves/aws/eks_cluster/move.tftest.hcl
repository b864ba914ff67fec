# The release before the shared node_role module (before/) is applied against a mocked hashicorp/aws
# provider, then the current module plans on that state: the system nodes' role and its attachments must
# move, nothing be created or destroyed. https://developer.hashicorp.com/terraform/language/modules/develop/refactoring
mock_provider "aws" {
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::111111111111:role/acme-ml-prod-system-node-20260101000000000000000001" }
  }
  mock_resource "aws_eks_cluster" {
    defaults = {
      identity              = [{ oidc = [{ issuer = "https://oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF" }] }]
      certificate_authority = [{ data = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t" }]
    }
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
  api_access_cidrs     = ["10.0.0.0/16"]
  cluster_autoscaler   = true
  protect              = true
}

# Both releases read the system node group's size back from the node groups of the cluster, which must
# exist when the plan is made (as it does in any state worth moving): the cluster is applied first.
run "cluster" {
  command   = apply
  state_key = "move"

  module {
    source = "./tests/before"
  }

  plan_options {
    target = [aws_eks_cluster.this]
  }
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
