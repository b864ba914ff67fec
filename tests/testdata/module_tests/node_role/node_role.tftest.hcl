# Plans of the node_role module against a mocked hashicorp/aws provider (no AWS account needed).
mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
}

# What a node needs to join and pull images, and not the VPC CNI's policy (that is the CNI's own IRSA
# role). https://docs.aws.amazon.com/eks/latest/userguide/create-node-role.html ;
# https://docs.aws.amazon.com/eks/latest/userguide/cni-iam-role.html
run "a_38_character_prefix_and_the_two_node_policies" {
  command = plan

  variables {
    name_prefix = "a2345678901234567890123456789012-node-"
  }

  assert {
    condition     = length(var.name_prefix) == 38 && aws_iam_role.this.name_prefix == var.name_prefix
    error_message = "the role must take the prefix as given"
  }
  assert {
    condition = toset([for a in aws_iam_role_policy_attachment.this : a.policy_arn]) == toset([
      "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
      "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
    ])
    error_message = "a node role holds exactly the worker node and ECR read-only policies"
  }
}

# IAM caps name_prefix at 38 characters (CreateRole RoleName 64, minus the 26-character suffix); the
# provider only fails at apply, so the variable refuses a longer one at plan.
# https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html
run "a_39_character_prefix_is_refused_at_plan" {
  command = plan

  variables {
    name_prefix = "a23456789012345678901234567890123-node-"
  }

  expect_failures = [var.name_prefix]
}
