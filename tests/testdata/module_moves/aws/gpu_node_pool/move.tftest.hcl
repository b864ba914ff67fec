# The release before the shared node_role module (before/) is applied against a mocked hashicorp/aws
# provider, then the current module plans on that state: the role and both attachments (keyed worker and
# ecr then, by policy name now) must move, nothing be destroyed, and the one thing created is the EFA pool's
# Cluster Autoscaler node-template tag on its Auto Scaling group (added since; see the module's main.tf).
# https://developer.hashicorp.com/terraform/language/modules/develop/refactoring
mock_provider "aws" {
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::111111111111:role/training-node-20260101000000000000000001" }
  }
  # the Auto Scaling group EKS made for the node group, which the EFA node-template tag is put on
  mock_resource "aws_eks_node_group" {
    defaults = { resources = [{ autoscaling_groups = [{ name = "eks-training-20260101000000000000000002" }], remote_access_security_group_id = "" }] }
  }
  mock_resource "aws_launch_template" {
    defaults = { id = "lt-0123456789abcdef0" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
}

variables {
  cluster_name              = "acme-ml-prod"
  name                      = "training"
  kubernetes_version        = "1.33"
  subnet_ids                = ["subnet-0a", "subnet-0b"]
  instance_types            = ["p5.48xlarge"]
  capacity_type             = "ON_DEMAND"
  ami_type                  = "AL2023_x86_64_NVIDIA"
  min_size                  = 0
  max_size                  = 4
  desired_size              = 1
  desired_size_owner        = "terraform"
  taints                    = [{ key = "nvidia.com/gpu", value = "true", effect = "NO_SCHEDULE" }]
  kms_key_arn               = "arn:aws:kms:us-east-1:111111111111:key/0d8f2a4c-1111-2222-3333-444455556666"
  efa                       = true
  vpc_id                    = "vpc-0123456789abcdef0"
  cluster_security_group_id = "sg-0123456789abcdef0"
}

run "before" {
  command   = apply
  state_key = "move"

  module {
    source = "./tests/before"
  }
}

# The node group the release before created exists in EKS: the plan reads it back (an EFA pool keeps the
# subnets it was created with while they are still given).
run "after" {
  command   = plan
  state_key = "move"

  override_data {
    target = data.aws_eks_clusters.existing
    values = { names = ["acme-ml-prod"] }
  }
  override_data {
    target = data.aws_eks_node_groups.existing[0]
    values = { names = ["training"] }
  }
  override_data {
    target = data.aws_eks_node_group.current["training"]
    values = { subnet_ids = ["subnet-0a", "subnet-0b"], scaling_config = [{ desired_size = 1, min_size = 0, max_size = 4 }] }
  }
  override_data {
    target = data.aws_ec2_instance_type_offerings.pool
    values = { instance_types = ["p5.48xlarge"], locations = ["use1-az4"] }
  }
  override_data {
    target = data.aws_subnet.pool[0]
    values = { availability_zone_id = "use1-az4" }
  }
}
