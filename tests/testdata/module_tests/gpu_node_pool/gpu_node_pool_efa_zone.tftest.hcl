# Pools and the zones EC2 offers their instance types in.
# An EFA pool's cluster placement group holds its instances in one Availability Zone; a node group over
# subnets in several zones launches its first node in one of them and then fails to update or replace
# ("Instances in the <group> Placement Group must be launched in the <zone> Availability Zone",
# terraform-aws-modules/terraform-aws-eks#3044, fixed there by restricting the group to one zone in #3045).
# EC2 offers p5 in few zones of a region (DescribeInstanceTypeOfferings, location type availability-zone-id:
# https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstanceTypeOfferings.html).
mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
  mock_data "aws_ec2_instance_type" {
    defaults = { maximum_network_cards = 32 }
  }
  mock_resource "aws_launch_template" {
    defaults = { id = "lt-0123456789abcdef0", latest_version = 1 }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::111111111111:role/gpu-node-1" }
  }
  mock_resource "aws_security_group" {
    defaults = { id = "sg-0efa" }
  }
}

variables {
  cluster_name              = "acme-ml-prod"
  name                      = "training"
  kubernetes_version        = "1.33"
  subnet_ids                = ["subnet-0a", "subnet-0b", "subnet-0c"]
  instance_types            = ["p5.48xlarge"]
  capacity_type             = "ON_DEMAND"
  ami_type                  = "AL2023_x86_64_NVIDIA"
  min_size                  = 0
  max_size                  = 4
  desired_size              = 0
  desired_size_owner        = "terraform"
  kms_key_arn               = "arn:aws:kms:us-east-1:111111111111:key/0d8f2a4c-1111-2222-3333-444455556666"
  efa                       = true
  vpc_id                    = "vpc-0123"
  cluster_security_group_id = "sg-0cluster"
}

override_data {
  target = data.aws_eks_clusters.existing
  values = { names = [] }
}

# The Auto Scaling group EKS creates for the node group (the EFA node-template tag goes on it).
override_resource {
  target = aws_eks_node_group.this
  values = { resources = [{ autoscaling_groups = [{ name = "eks-training-asg" }], remote_access_security_group_id = "" }] }
}

# Unless a run says otherwise: EC2 offers p5.48xlarge in use1-az2 and use1-az4.
override_data {
  target = data.aws_ec2_instance_type_offerings.pool
  values = { instance_types = ["p5.48xlarge", "p5.48xlarge"], locations = ["use1-az2", "use1-az4"] }
}

override_data {
  target = data.aws_subnet.pool[0]
  values = { id = "subnet-0a", availability_zone_id = "use1-az1" }
}

override_data {
  target = data.aws_subnet.pool[1]
  values = { id = "subnet-0b", availability_zone_id = "use1-az2" }
}

override_data {
  target = data.aws_subnet.pool[2]
  values = { id = "subnet-0c", availability_zone_id = "use1-az4" }
}

run "an_efa_pool_gets_one_subnet_in_a_zone_offering_its_type" {
  command = apply

  override_data {
    target = data.aws_ec2_instance_type_offerings.pool
    values = { instance_types = ["p5.48xlarge", "p5.48xlarge"], locations = ["use1-az2", "use1-az4"] }
  }

  assert {
    condition     = aws_eks_node_group.this.subnet_ids == toset(["subnet-0b"])
    error_message = "an EFA pool's node group must span one subnet, the first in a zone offering p5.48xlarge"
  }
}

# EC2 later offers p5 in use1-az1 too: the node group that exists keeps its subnet (subnet_ids force a
# new node group).
run "a_new_offering_does_not_move_the_pool" {
  command = plan

  override_data {
    target = data.aws_ec2_instance_type_offerings.pool
    values = { instance_types = ["p5.48xlarge", "p5.48xlarge", "p5.48xlarge"], locations = ["use1-az1", "use1-az2", "use1-az4"] }
  }
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
    values = { subnet_ids = ["subnet-0b"], scaling_config = [{ desired_size = 0, min_size = 0, max_size = 4 }] }
  }

  assert {
    condition     = aws_eks_node_group.this.subnet_ids == toset(["subnet-0b"])
    error_message = "the EFA pool's subnet, once chosen, must not change with EC2's offerings"
  }
}

# A pool an earlier release created over two zones is not replaced by the upgrade (subnet_ids force a new
# node group; tests/testdata/module_moves/aws/gpu_node_pool plans that upgrade)...
run "a_pool_created_over_two_zones_keeps_them" {
  command = plan

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
    values = { subnet_ids = ["subnet-0a", "subnet-0b"], scaling_config = [{ desired_size = 0, min_size = 0, max_size = 4 }] }
  }

  assert {
    condition     = aws_eks_node_group.this.subnet_ids == toset(["subnet-0a", "subnet-0b"])
    error_message = "an existing node group whose subnets are all still given keeps them"
  }
}

# ...and one whose subnets are no longer all given (its zones pinned elsewhere) chooses again.
run "a_pool_whose_subnets_are_no_longer_given_chooses_again" {
  command = plan

  override_data {
    target = data.aws_ec2_instance_type_offerings.pool
    values = { instance_types = ["p5.48xlarge"], locations = ["use1-az4"] }
  }
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
    values = { subnet_ids = ["subnet-0a", "subnet-0x"], scaling_config = [{ desired_size = 0, min_size = 0, max_size = 4 }] }
  }

  assert {
    condition     = aws_eks_node_group.this.subnet_ids == toset(["subnet-0c"])
    error_message = "a node group whose subnets are no longer all given chooses one offering subnet again"
  }
}

run "an_efa_pool_with_no_offering_zone_is_refused_at_plan" {
  command = plan

  variables {
    instance_types = ["p5en.48xlarge"]
  }

  override_data {
    target = data.aws_ec2_instance_type_offerings.pool
    values = { instance_types = ["p5en.48xlarge"], locations = ["use1-az6"] }
  }

  expect_failures = [aws_eks_node_group.this]
}

run "a_pool_without_efa_keeps_all_its_subnets" {
  command = plan

  variables {
    efa            = false
    instance_types = ["g6e.xlarge"]
  }

  override_data {
    target = data.aws_ec2_instance_type_offerings.pool
    values = { instance_types = ["g6e.xlarge"], locations = ["use1-az2"] }
  }

  assert {
    condition     = aws_eks_node_group.this.subnet_ids == toset(["subnet-0a", "subnet-0b", "subnet-0c"])
    error_message = "a pool without a placement group spreads over every subnet it is given"
  }
}

# Any pool: an instance type EC2 offers in none of the pool's zones could never launch a node, and EKS would
# wait for the group's nodes until the create failed. Refused before the node group is created.
run "a_pool_whose_type_is_offered_in_none_of_its_zones_is_refused" {
  command = plan

  variables {
    efa            = false
    instance_types = ["g6e.xlarge", "g6e.2xlarge"]
  }

  override_data {
    target = data.aws_ec2_instance_type_offerings.pool
    values = { instance_types = ["g6e.xlarge", "g6e.2xlarge"], locations = ["use1-az2", "use1-az6"] }
  }

  expect_failures = [aws_eks_node_group.this]
}
