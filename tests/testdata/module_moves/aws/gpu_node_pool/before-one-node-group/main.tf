data "aws_partition" "current" {}

locals {
  capacity_block = var.capacity_type == "CAPACITY_BLOCK"

  # Bottlerocket boots from a small OS volume (/dev/xvda) and keeps images and pod data on /dev/xvdb;
  # the AL2023 AMIs use a single root volume. https://github.com/bottlerocket-os/bottlerocket#default-volumes
  data_volume_device = startswith(var.ami_type, "BOTTLEROCKET") ? "/dev/xvdb" : "/dev/xvda"

  # For Capacity Blocks AWS documents the instance type in the launch template, not the node group.
  # https://docs.aws.amazon.com/eks/latest/userguide/capacity-blocks-mng.html
  node_group_instance_types = local.capacity_block ? null : var.instance_types

  node_policies = {
    worker = "AmazonEKSWorkerNodePolicy"
    cni    = "AmazonEKS_CNI_Policy"
    ecr    = "AmazonEC2ContainerRegistryReadOnly"
  }

  name_tags = merge(var.tags, { Name = "${var.cluster_name}-${var.name}" })
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

# One role per pool so a pool can be removed, or given extra permissions, without touching the others.
resource "aws_iam_role" "this" {
  name_prefix        = "${substr(var.name, 0, 28)}-node-"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = var.tags
}

# https://docs.aws.amazon.com/eks/latest/userguide/create-node-role.html
resource "aws_iam_role_policy_attachment" "this" {
  for_each = local.node_policies

  role       = aws_iam_role.this.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/${each.value}"
}

resource "aws_launch_template" "this" {
  name_prefix            = "${substr("${var.cluster_name}-${var.name}", 0, 100)}-"
  description            = "GPU node pool ${var.name} of EKS cluster ${var.cluster_name}"
  update_default_version = true
  instance_type          = local.capacity_block ? var.instance_types[0] : null

  # IMDSv2 only; hop limit 2 so containers on the node (e.g. the VPC CNI) still reach IMDS.
  # https://docs.aws.amazon.com/eks/latest/userguide/launch-templates.html
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 2
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

  tag_specifications {
    resource_type = "instance"
    tags          = local.name_tags
  }

  tag_specifications {
    resource_type = "volume"
    tags          = local.name_tags
  }

  tag_specifications {
    resource_type = "network-interface"
    tags          = local.name_tags
  }

  tags = var.tags
}

# lifecycle.ignore_changes cannot be conditional, so the two ownership modes are two resources and
# exactly one exists. Keep their arguments identical.
resource "aws_eks_node_group" "this" {
  count = var.desired_size_owner == "terraform" ? 1 : 0

  cluster_name    = var.cluster_name
  node_group_name = var.name
  node_role_arn   = aws_iam_role.this.arn
  subnet_ids      = var.subnet_ids
  instance_types  = local.node_group_instance_types
  capacity_type   = var.capacity_type
  ami_type        = var.ami_type
  labels          = var.labels

  scaling_config {
    min_size     = var.min_size
    max_size     = var.max_size
    desired_size = var.desired_size
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

  depends_on = [aws_iam_role_policy_attachment.this]
}

# desired_size_owner = "autoscaler": desired_size only seeds the group; the cluster autoscaler (or a
# scheduled action) owns it afterwards and Terraform must not scale it back.
resource "aws_eks_node_group" "autoscaled" {
  count = var.desired_size_owner == "autoscaler" ? 1 : 0

  cluster_name    = var.cluster_name
  node_group_name = var.name
  node_role_arn   = aws_iam_role.this.arn
  subnet_ids      = var.subnet_ids
  instance_types  = local.node_group_instance_types
  capacity_type   = var.capacity_type
  ami_type        = var.ami_type
  labels          = var.labels

  scaling_config {
    min_size     = var.min_size
    max_size     = var.max_size
    desired_size = var.desired_size
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
    ignore_changes = [scaling_config[0].desired_size]
  }

  depends_on = [aws_iam_role_policy_attachment.this]
}
