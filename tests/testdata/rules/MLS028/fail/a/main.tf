resource "aws_launch_template" "gpu" {
  name_prefix = "gpu-"

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 2 # MLS028
  }
}

resource "aws_eks_node_group" "gpu" {
  cluster_name    = "acme"
  node_group_name = "gpu"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-0a"]
  instance_types  = ["g6e.xlarge"]
  ami_type        = "AL2023_x86_64_NVIDIA"

  scaling_config {
    min_size     = 0
    max_size     = 2
    desired_size = 0
  }

  launch_template {
    id      = aws_launch_template.gpu.id
    version = aws_launch_template.gpu.latest_version
  }

  taint {
    key    = "nvidia.com/gpu"
    value  = "true"
    effect = "NO_SCHEDULE"
  }

  labels = { "mlstrata.dev/gpu-pool" = "gpu" }

  lifecycle {
    ignore_changes = [scaling_config[0].desired_size]
  }
}
