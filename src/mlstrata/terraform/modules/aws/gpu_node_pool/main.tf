locals {
  capacity_block = var.capacity_type == "CAPACITY_BLOCK"

  # Bottlerocket boots from a small OS volume (/dev/xvda) and keeps images and pod data on /dev/xvdb;
  # the AL2023 AMIs use a single root volume. https://github.com/bottlerocket-os/bottlerocket#default-volumes
  data_volume_device = startswith(var.ami_type, "BOTTLEROCKET") ? "/dev/xvdb" : "/dev/xvda"

  # For Capacity Blocks AWS documents the instance type in the launch template, not the node group.
  # https://docs.aws.amazon.com/eks/latest/userguide/capacity-blocks-mng.html
  node_group_instance_types = local.capacity_block ? null : var.instance_types

  # Cost attribution: provider default_tags never reach instances or volumes launched from a launch
  # template (hashicorp/terraform-provider-aws#19387), so the tags are repeated in tag_specifications.
  instance_tags = merge(var.tags, { Name = "${var.cluster_name}-${var.name}", "mlstrata:gpu-pool" = var.name })

  # desired_size_owner = "autoscaler": the node count is whatever the autoscaler (or a capacity-block
  # schedule) last set; reading it back keeps plans quiet without a second resource or ignore_changes,
  # so switching the owner is an in-place update instead of a destroy and re-create of the node group.
  current_desired = one([for g in data.aws_eks_node_group.current : g.scaling_config[0].desired_size])
  desired_size    = var.desired_size_owner == "autoscaler" ? coalesce(local.current_desired, var.desired_size) : var.desired_size

  efa_network_cards = distinct([for t in data.aws_ec2_instance_type.efa : t.maximum_network_cards])
  efa_interfaces    = var.efa ? max(concat(local.efa_network_cards, [1])...) : 0

  # The extended resources a node of the pool offers that Cluster Autoscaler cannot know from the instance
  # type (it knows nvidia.com/gpu), one node-template tag each on the Auto Scaling group (see below).
  node_template_resources = var.efa ? { "vpc.amazonaws.com/efa" = local.efa_interfaces } : {}
}

# EFA: one interface per network card, so a p5.48xlarge gets its 32 and a p4d.24xlarge its 4 (one EFA
# on one card is 1/32 of a p5's 3,200 Gbps). The count is EC2's own (DescribeInstanceTypes
# NetworkInfo.MaximumNetworkCards), so new instance types need no table here.
# https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html
data "aws_ec2_instance_type" "efa" {
  for_each = var.efa ? toset(var.instance_types) : toset([])

  instance_type = each.value
}

# Where EC2 offers the pool's instance types, by zone ID (p5 and g6e are offered in few zones of a region):
# a node group whose types are offered in none of its zones cannot launch a node, and EKS waits for its
# nodes until the create fails; the node group's precondition refuses it first.
# https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstanceTypeOfferings.html
data "aws_subnet" "pool" {
  count = length(var.subnet_ids)

  id = var.subnet_ids[count.index]
}

data "aws_ec2_instance_type_offerings" "pool" {
  location_type = "availability-zone-id"

  filter {
    name   = "instance-type"
    values = var.instance_types
  }
}

# A cluster placement group (EFA) holds its instances in one Availability Zone. A node group over subnets
# in several zones launches its first node in one of them, and later updates fail ("Instances in the
# <group> Placement Group must be launched in the <zone> Availability Zone", UpdateNodegroupVersion,
# terraform-aws-modules/terraform-aws-eks#3044). A new EFA pool therefore gets one subnet: the first whose
# zone offers all its instance types.
locals {
  zones_by_type = {
    for t in var.instance_types : t => [
      for i, z in data.aws_ec2_instance_type_offerings.pool.locations : z if data.aws_ec2_instance_type_offerings.pool.instance_types[i] == t
    ]
  }
  pool_zones          = distinct([for s in data.aws_subnet.pool : s.availability_zone_id])
  types_not_offered   = [for t, zones in local.zones_by_type : t if length(setintersection(zones, local.pool_zones)) == 0]
  efa_offered_subnets = [for s in data.aws_subnet.pool : s.id if alltrue([for t in var.instance_types : contains(local.zones_by_type[t], s.availability_zone_id)])]

  # A node group that exists keeps its subnets while they are still among subnet_ids: EC2 offering a type
  # in one more zone must not move, and so replace, it (subnet_ids force a new node group), and a pool
  # created by an earlier release is not replaced by an upgrade. Other subnets choose again.
  efa_current_subnets = flatten([for g in data.aws_eks_node_group.current : tolist(g.subnet_ids)])
  efa_keeps_subnets   = length(local.efa_current_subnets) > 0 && alltrue([for s in local.efa_current_subnets : contains(var.subnet_ids, s)])
  node_group_subnets  = !var.efa ? var.subnet_ids : local.efa_keeps_subnets ? local.efa_current_subnets : slice(local.efa_offered_subnets, 0, min(1, length(local.efa_offered_subnets)))
}

# Only a cluster that exists has node groups to list (EKS answers ListNodegroups for any other name with
# ResourceNotFoundException): a pool planned with its new cluster starts at desired_size.
data "aws_eks_clusters" "existing" {}

data "aws_eks_node_groups" "existing" {
  count = (var.desired_size_owner == "autoscaler" || var.efa) && contains(data.aws_eks_clusters.existing.names, var.cluster_name) ? 1 : 0

  cluster_name = var.cluster_name
}

data "aws_eks_node_group" "current" {
  for_each = toset([for n in flatten(data.aws_eks_node_groups.existing[*].names) : n if n == var.name])

  cluster_name    = var.cluster_name
  node_group_name = each.value
}

# One role per pool so a pool can be removed, or given extra permissions, without touching the others.
# IAM caps name_prefix at 38 characters: 32 + "-node-".
module "node_role" {
  source = "../node_role"

  name_prefix = "${substr(var.name, 0, 32)}-node-"
  tags        = var.tags
}

# p4d/p5 training: a cluster placement group keeps the instances on one low-latency network spine.
# https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/placement-strategies.html#placement-groups-cluster
resource "aws_placement_group" "this" {
  count = var.efa ? 1 : 0

  name     = "${var.cluster_name}-${var.name}"
  strategy = "cluster"
  tags     = var.tags
}

# EFA traffic must be allowed to and from the security group itself, in both directions.
# https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-start.html#efa-start-security
resource "aws_security_group" "efa" {
  count = var.efa ? 1 : 0

  name_prefix = "${var.cluster_name}-${var.name}-efa-"
  description = "EFA traffic between the nodes of GPU pool ${var.name}"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.cluster_name}-${var.name}-efa" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "efa" {
  count = var.efa ? 1 : 0

  security_group_id            = aws_security_group.efa[0].id
  description                  = "EFA from the pool itself"
  ip_protocol                  = "-1"
  referenced_security_group_id = aws_security_group.efa[0].id
  tags                         = var.tags
}

resource "aws_vpc_security_group_egress_rule" "efa" {
  count = var.efa ? 1 : 0

  security_group_id            = aws_security_group.efa[0].id
  description                  = "EFA to the pool itself"
  ip_protocol                  = "-1"
  referenced_security_group_id = aws_security_group.efa[0].id
  tags                         = var.tags
}

resource "aws_launch_template" "this" {
  name_prefix            = "${substr("${var.cluster_name}-${var.name}", 0, 100)}-"
  description            = "GPU node pool ${var.name} of EKS cluster ${var.cluster_name}"
  update_default_version = true
  instance_type          = local.capacity_block ? var.instance_types[0] : null

  # IMDSv2 only, hop limit 1: host-network pods (aws-node, kube-proxy, the device plugin) still reach
  # IMDS, but a pod on the pod network cannot read the node role's credentials. Workloads get theirs
  # from IRSA / EKS Pod Identity. https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html#_restrict_access_to_the_instance_profile_assigned_to_the_worker_node
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  block_device_mappings {
    device_name = local.data_volume_device

    ebs {
      volume_size           = var.disk_size_gb
      volume_type           = "gp3"
      encrypted             = true
      kms_key_id            = var.kms_key_arn
      delete_on_termination = true
    }
  }

  dynamic "instance_market_options" {
    for_each = local.capacity_block ? [1] : []

    content {
      market_type = "capacity-block"
    }
  }

  dynamic "capacity_reservation_specification" {
    for_each = local.capacity_block ? [1] : []

    content {
      capacity_reservation_target {
        capacity_reservation_id = var.capacity_reservation_id
      }
    }
  }

  dynamic "placement" {
    for_each = var.efa ? [1] : []

    content {
      group_name = aws_placement_group.this[0].name
    }
  }

  # One EFA (with ENA) per network card: card 0 at device index 0 is the primary interface, every other
  # card's at device index 1 (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html).
  # With network interfaces in the launch template, EKS does not add the cluster security group itself,
  # so the primary lists it next to the EFA group. https://docs.aws.amazon.com/eks/latest/userguide/node-efa.html
  dynamic "network_interfaces" {
    for_each = range(local.efa_interfaces)

    content {
      device_index          = network_interfaces.value == 0 ? 0 : 1
      network_card_index    = network_interfaces.value
      interface_type        = "efa"
      delete_on_termination = true
      security_groups       = network_interfaces.value == 0 ? [var.cluster_security_group_id, aws_security_group.efa[0].id] : [aws_security_group.efa[0].id]
    }
  }

  tag_specifications {
    resource_type = "instance"
    tags          = local.instance_tags
  }

  tag_specifications {
    resource_type = "volume"
    tags          = local.instance_tags
  }

  tag_specifications {
    resource_type = "network-interface"
    tags          = local.instance_tags
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = !var.efa || (var.vpc_id != null && var.cluster_security_group_id != null)
      error_message = "efa = true needs vpc_id and cluster_security_group_id."
    }
    # One launch template serves every instance type of the group: their network cards must agree.
    precondition {
      condition     = length(local.efa_network_cards) <= 1
      error_message = "EFA pool ${var.name}: its instance types have different numbers of network cards (${join(", ", [for k, t in data.aws_ec2_instance_type.efa : "${k}: ${t.maximum_network_cards}"])}); use one instance type, or types with the same number."
    }
  }
}

# One resource whatever owns the node count (see local.desired_size): changing the owner never
# replaces the node group. Earlier versions had two resources; the moved blocks carry their state over.
resource "aws_eks_node_group" "this" {
  cluster_name    = var.cluster_name
  node_group_name = var.name
  node_role_arn   = module.node_role.role_arn
  subnet_ids      = local.node_group_subnets
  instance_types  = local.node_group_instance_types
  capacity_type   = var.capacity_type
  ami_type        = var.ami_type
  labels          = var.labels

  # Nodes follow the control plane: without a version EKS keeps the version the group was created
  # with, and raising kubernetes_version upgrades only the control plane.
  # https://docs.aws.amazon.com/eks/latest/userguide/update-managed-node-group.html
  version = var.kubernetes_version

  scaling_config {
    min_size     = var.min_size
    max_size     = var.max_size
    desired_size = local.desired_size
  }

  update_config {
    max_unavailable_percentage = var.max_unavailable_percentage
  }

  launch_template {
    id      = aws_launch_template.this.id
    version = aws_launch_template.this.latest_version
  }

  dynamic "taint" {
    for_each = var.taints

    content {
      key    = taint.value.key
      value  = taint.value.value
      effect = taint.value.effect
    }
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = length(local.types_not_offered) == 0
      error_message = "GPU pool ${var.name}: EC2 offers ${join(", ", local.types_not_offered)} in none of the pool's zones (${join(", ", local.pool_zones)}; offered in zone IDs: ${join("; ", [for t, zones in local.zones_by_type : "${t}: ${length(zones) > 0 ? join(", ", zones) : "none"}"])}); pin the pool to a zone that offers it (gpu_pools.<pool>.zones) or choose another instance type."
    }
    precondition {
      condition     = !var.efa || length(local.node_group_subnets) > 0
      error_message = "EFA pool ${var.name}: none of its subnets is in an Availability Zone that offers all of ${join(", ", var.instance_types)} (offered in zone IDs: ${join("; ", [for t, zones in local.zones_by_type : "${t}: ${length(zones) > 0 ? join(", ", zones) : "none"}"])}); pin the pool to such a zone (gpu_pools.<pool>.zones)."
    }
  }

  depends_on = [module.node_role]
}

moved {
  from = aws_eks_node_group.autoscaled[0]
  to   = aws_eks_node_group.this
}

# Cluster Autoscaler scales an idle group up for a pending pod only if the group's node template fits the
# pod. For an EKS managed node group it takes labels and taints from EKS (eks:DescribeNodegroup), but an
# extended resource such as vpc.amazonaws.com/efa only from a tag on the Auto Scaling group, and EKS does
# not copy node group tags there: without this tag a pod asking for EFA never scales a pool up from zero.
# https://github.com/kubernetes/autoscaler/blob/master/cluster-autoscaler/cloudprovider/aws/README.md (Auto-Discovery Setup, node-template tags)
# https://docs.aws.amazon.com/eks/latest/best-practices/cas.html
resource "aws_autoscaling_group_tag" "node_template" {
  for_each = local.node_template_resources

  autoscaling_group_name = aws_eks_node_group.this.resources[0].autoscaling_groups[0].name

  tag {
    key                 = "k8s.io/cluster-autoscaler/node-template/resources/${each.key}"
    value               = tostring(each.value)
    propagate_at_launch = false
  }
}

# Capacity Blocks start and end at fixed times: EKS does not scale the node group into the reservation
# by itself, so scheduled actions on the node group's Auto Scaling group do it. Instances are
# terminated 30 minutes before the block ends; scaling in an hour earlier drains them first.
# https://docs.aws.amazon.com/eks/latest/userguide/capacity-blocks-mng.html
resource "aws_autoscaling_schedule" "capacity_block_start" {
  # A one-time scheduled action that has run is gone; once its time has passed it is not re-created.
  count = local.capacity_block && var.capacity_block_start != null ? (timecmp(var.capacity_block_start, plantimestamp()) > 0 ? 1 : 0) : 0

  scheduled_action_name  = "${var.name}-capacity-block-start"
  autoscaling_group_name = aws_eks_node_group.this.resources[0].autoscaling_groups[0].name
  start_time             = var.capacity_block_start
  min_size               = var.min_size
  max_size               = var.max_size
  desired_capacity       = var.max_size
}

resource "aws_autoscaling_schedule" "capacity_block_end" {
  count = local.capacity_block && var.capacity_block_end != null ? (timecmp(timeadd(var.capacity_block_end, "-1h"), plantimestamp()) > 0 ? 1 : 0) : 0

  scheduled_action_name  = "${var.name}-capacity-block-end"
  autoscaling_group_name = aws_eks_node_group.this.resources[0].autoscaling_groups[0].name
  start_time             = timeadd(var.capacity_block_end, "-1h")
  min_size               = 0
  max_size               = var.max_size
  desired_capacity       = 0
}

# Releases before the shared node_role module declared the role here (the attachments keyed worker and
# ecr); the moves keep the role and its attachments in place. https://developer.hashicorp.com/terraform/language/modules/develop/refactoring
moved {
  from = aws_iam_role.this
  to   = module.node_role.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy_attachment.this["worker"]
  to   = module.node_role.aws_iam_role_policy_attachment.this["AmazonEKSWorkerNodePolicy"]
}

moved {
  from = aws_iam_role_policy_attachment.this["ecr"]
  to   = module.node_role.aws_iam_role_policy_attachment.this["AmazonEC2ContainerRegistryReadOnly"]
}
