# Plans of the gpu_node_pool module against a mocked hashicorp/aws provider (no AWS account needed).
mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
  mock_resource "aws_launch_template" {
    defaults = { id = "lt-0123456789abcdef0", latest_version = 1 }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::111111111111:role/gpu-node-1" }
  }
  # Every subnet in one zone that offers the pool's types (zones and offerings: gpu_node_pool_efa_zone.tftest.hcl).
  mock_data "aws_subnet" {
    defaults = { availability_zone_id = "use1-az4" }
  }
  mock_data "aws_ec2_instance_type_offerings" {
    defaults = {
      instance_types = ["p4d.24xlarge", "p5.48xlarge", "p5en.48xlarge"]
      locations      = ["use1-az4", "use1-az4", "use1-az4"]
    }
  }
}

variables {
  cluster_name       = "acme-ml-prod"
  name               = "training"
  kubernetes_version = "1.33"
  subnet_ids         = ["subnet-0a", "subnet-0b"]
  instance_types     = ["p5.48xlarge"]
  capacity_type      = "ON_DEMAND"
  ami_type           = "AL2023_x86_64_NVIDIA"
  min_size           = 0
  max_size           = 4
  desired_size       = 0
  desired_size_owner = "autoscaler"
  kms_key_arn        = "arn:aws:kms:us-east-1:111111111111:key/0d8f2a4c-1111-2222-3333-444455556666"
  tags               = { "mlstrata:environment" = "prod", "mlstrata:platform" = "acme-ml" }
}

# The cluster exists unless a run says otherwise (node groups are listed only for an existing cluster).
override_data {
  target = data.aws_eks_clusters.existing
  values = { names = ["acme-ml-prod"] }
}

# One plan, several facts (each plan starts the provider: fewer runs keep this test cheap).
run "gpu_node_group_with_an_autoscaler_owned_size" {
  command = plan

  override_data {
    target = data.aws_eks_node_groups.existing[0]
    values = { names = ["training", "other"] }
  }

  override_data {
    target = data.aws_eks_node_group.current["training"]
    values = { scaling_config = [{ desired_size = 3, min_size = 0, max_size = 4 }] }
  }

  # EKS managed node groups: IMDS hop limit 1 keeps pod-network pods away from the node role.
  # https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html
  assert {
    condition     = aws_launch_template.this.metadata_options[0].http_put_response_hop_limit == 1
    error_message = "GPU nodes must use IMDS hop limit 1"
  }
  assert {
    condition     = aws_launch_template.this.metadata_options[0].http_tokens == "required"
    error_message = "IMDSv2 must be required"
  }
  # (no CNI policy on the node role: module_tests/node_role, the one home of the node role)

  # Provider default_tags do not reach launch-template instances (hashicorp/terraform-provider-aws#19387).
  assert {
    condition = alltrue([for t in aws_launch_template.this.tag_specifications : (
      t.tags["mlstrata:environment"] == "prod" && t.tags["mlstrata:gpu-pool"] == "training"
    )])
    error_message = "instances, volumes and ENIs must carry the environment and pool tags"
  }
  assert {
    condition     = length(aws_launch_template.this.tag_specifications) == 3
    error_message = "tag instance, volume and network-interface"
  }

  # Nodes follow the control plane version (https://docs.aws.amazon.com/eks/latest/userguide/update-managed-node-group.html).
  assert {
    condition     = aws_eks_node_group.this.version == "1.33"
    error_message = "node group version must follow kubernetes_version"
  }

  # Autoscaler-owned: the current size is read back, so a plan never scales the group back.
  assert {
    condition     = aws_eks_node_group.this.scaling_config[0].desired_size == 3
    error_message = "an autoscaler-owned pool keeps the size the autoscaler set"
  }
}

# IAM: name_prefix is at most 38 characters (CreateRole RoleName 64, minus the 26-character suffix).
# The node role's module refuses a longer prefix in its variable validation (module_tests/node_role shows
# it does), so this plan succeeding with the longest pool name is the check.
run "role_name_prefix_fits_iam_limit_with_longest_pool_name" {
  command = plan

  variables {
    name = "a23456789012345678901234567890123456789012345678901234567890123"
  }
}

run "autoscaler_owned_pool_starts_at_desired_size" {
  command = plan

  override_data {
    target = data.aws_eks_node_groups.existing[0]
    values = { names = [] }
  }

  assert {
    condition     = aws_eks_node_group.this.scaling_config[0].desired_size == 0
    error_message = "a new autoscaler-owned pool starts at desired_size"
  }
}

# Switching the owner is one resource either way: no destroy/create with the same node group name
# (which fails with ResourceInUseException).
run "terraform_owned_size_is_applied" {
  command = plan

  variables {
    desired_size_owner = "terraform"
    desired_size       = 2
  }

  assert {
    condition     = aws_eks_node_group.this.scaling_config[0].desired_size == 2 && length(data.aws_eks_node_groups.existing) == 0
    error_message = "a Terraform-owned pool sets desired_size and reads nothing back"
  }
}

# Network cards per instance type, as EC2 reports them (DescribeInstanceTypes MaximumNetworkCards) and
# the EC2 user guide states them: p5.48xlarge and p5e.48xlarge 32, p5en.48xlarge 16, p4d.24xlarge 4
# (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html, "EFA configuration for
# P5, P5e and P5en instances"; https://docs.aws.amazon.com/ec2/latest/instancetypes/ac.html#ac_network).
# One EFA per card: card 0 at device index 0, every other card at device index 1 (same page).
run "efa_p5_pool_gets_placement_group_and_32_efa_interfaces" {
  command = plan

  variables {
    efa                       = true
    vpc_id                    = "vpc-0123"
    cluster_security_group_id = "sg-0cluster"
  }
  override_data {
    target = data.aws_ec2_instance_type.efa["p5.48xlarge"]
    values = { maximum_network_cards = 32 }
  }
  override_resource {
    target          = aws_security_group.efa[0]
    values          = { id = "sg-0efa" }
    override_during = plan
  }

  assert {
    condition     = aws_placement_group.this[0].strategy == "cluster"
    error_message = "EFA pools need a cluster placement group"
  }
  assert {
    condition     = length(aws_launch_template.this.network_interfaces) == 32
    error_message = "p5.48xlarge: one EFA interface on each of its 32 network cards"
  }
  assert {
    condition = alltrue([for i, n in aws_launch_template.this.network_interfaces : (
      n.interface_type == "efa" && n.network_card_index == i && n.device_index == (i == 0 ? 0 : 1)
    )])
    error_message = "card i carries one EFA; the primary is card 0 device 0, the others device 1"
  }
  assert {
    condition     = aws_launch_template.this.network_interfaces[0].security_groups == toset(["sg-0cluster", "sg-0efa"])
    error_message = "the primary EFA interface carries the cluster security group and the EFA group"
  }
  assert {
    condition     = aws_launch_template.this.network_interfaces[31].security_groups == toset(["sg-0efa"])
    error_message = "the other EFA interfaces carry the EFA group only"
  }
  # Cluster Autoscaler knows an idle managed node group's extended resources only from Auto Scaling group
  # tags, which EKS does not copy from the node group (kubernetes/autoscaler cluster-autoscaler/cloudprovider/aws
  # README, node-template tags): a pool at zero advertises its 32 EFA devices so EFA pods scale it up.
  assert {
    condition = (
      aws_autoscaling_group_tag.node_template["vpc.amazonaws.com/efa"].tag[0].key == "k8s.io/cluster-autoscaler/node-template/resources/vpc.amazonaws.com/efa"
      && aws_autoscaling_group_tag.node_template["vpc.amazonaws.com/efa"].tag[0].value == "32"
    )
    error_message = "an EFA pool's Auto Scaling group must carry the node-template tag for vpc.amazonaws.com/efa = 32"
  }
}

run "efa_p4d_pool_gets_4_interfaces" {
  command = plan

  variables {
    efa                       = true
    vpc_id                    = "vpc-0123"
    cluster_security_group_id = "sg-0cluster"
    instance_types            = ["p4d.24xlarge"]
  }
  override_data {
    target = data.aws_ec2_instance_type.efa["p4d.24xlarge"]
    values = { maximum_network_cards = 4 }
  }

  assert {
    condition     = length(aws_launch_template.this.network_interfaces) == 4
    error_message = "p4d.24xlarge: 4 EFA interfaces"
  }
}

run "efa_p5en_pool_gets_16_interfaces" {
  command = plan

  variables {
    efa                       = true
    vpc_id                    = "vpc-0123"
    cluster_security_group_id = "sg-0cluster"
    instance_types            = ["p5en.48xlarge"]
  }
  override_data {
    target = data.aws_ec2_instance_type.efa["p5en.48xlarge"]
    values = { maximum_network_cards = 16 }
  }

  assert {
    condition     = length(aws_launch_template.this.network_interfaces) == 16
    error_message = "p5en.48xlarge: 16 EFA interfaces"
  }
}

# One launch template for all of a group's instance types: mixing card counts is refused at plan.
run "efa_pool_with_mixed_network_cards_is_refused" {
  command = plan

  variables {
    efa                       = true
    vpc_id                    = "vpc-0123"
    cluster_security_group_id = "sg-0cluster"
    instance_types            = ["p5.48xlarge", "p5en.48xlarge"]
  }
  override_data {
    target = data.aws_ec2_instance_type.efa["p5.48xlarge"]
    values = { maximum_network_cards = 32 }
  }
  override_data {
    target = data.aws_ec2_instance_type.efa["p5en.48xlarge"]
    values = { maximum_network_cards = 16 }
  }

  expect_failures = [aws_launch_template.this]
}

run "pool_without_efa_has_no_network_interfaces" {
  command = plan

  assert {
    condition     = length(aws_launch_template.this.network_interfaces) == 0 && length(data.aws_ec2_instance_type.efa) == 0
    error_message = "without EFA the node group's default interface is used and no instance type is looked up"
  }
  assert {
    condition     = length(aws_autoscaling_group_tag.node_template) == 0
    error_message = "a pool without EFA has no EFA node-template tag"
  }
}

run "capacity_block_scales_in_at_its_times" {
  command = plan

  variables {
    capacity_type           = "CAPACITY_BLOCK"
    capacity_reservation_id = "cr-0123456789abcdef0"
    capacity_block_start    = "2099-01-01T11:30:00Z"
    capacity_block_end      = "2099-01-03T11:30:00Z"
  }
  override_resource {
    target = aws_eks_node_group.this
    values = { resources = [{ autoscaling_groups = [{ name = "eks-training-asg" }], remote_access_security_group_id = "" }] }
  }

  assert {
    condition     = aws_autoscaling_schedule.capacity_block_start[0].desired_capacity == 4 && aws_autoscaling_schedule.capacity_block_end[0].desired_capacity == 0
    error_message = "capacity block pools scale up at the start and to zero before the end"
  }
  assert {
    condition     = aws_autoscaling_schedule.capacity_block_end[0].start_time == "2099-01-03T10:30:00Z"
    error_message = "scale in one hour before the block ends"
  }
}

# A new environment: the cluster is planned together with the pool and does not exist yet, so no node
# group is listed (EKS ListNodegroups: ResourceNotFoundException for an unknown cluster,
# https://docs.aws.amazon.com/eks/latest/APIReference/API_ListNodegroups.html) and the pool starts at
# desired_size.
run "a_pool_of_a_cluster_not_created_yet_lists_no_node_groups" {
  command = plan

  override_data {
    target = data.aws_eks_clusters.existing
    values = { names = ["another-cluster"] }
  }

  assert {
    condition     = length(data.aws_eks_node_groups.existing) == 0 && aws_eks_node_group.this.scaling_config[0].desired_size == 0
    error_message = "a pool of a new cluster lists no node groups and starts at desired_size"
  }
}
