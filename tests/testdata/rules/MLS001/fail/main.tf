resource "aws_eks_node_group" "gpu" { # MLS001
  cluster_name    = "ml"
  node_group_name = "gpu"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]
  ami_type        = "AL2023_x86_64_NVIDIA"
  capacity_type   = "ON_DEMAND"
  labels          = { workload = "training" }

  scaling_config {
    min_size     = 0
    max_size     = 2
    desired_size = 0
  }

  taint {
    key    = "nvidia.com/gpu"
    value  = "true"
    effect = "NO_SCHEDULE"
  }
}

resource "aws_eks_node_group" "empty" {
  cluster_name    = "ml"
  node_group_name = "gpu-empty"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]
  instance_types  = [] # MLS001
  ami_type        = "AL2023_x86_64_NVIDIA"
}

# null means "not set": with a launch template that sets no instance type, EKS picks t3.medium.
resource "aws_launch_template" "plain" {
  name_prefix = "gpu-plain-"
}

resource "aws_eks_node_group" "null_types" { # MLS001
  cluster_name    = "ml"
  node_group_name = "gpu-null"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]
  instance_types  = null
  ami_type        = "AL2023_x86_64_NVIDIA"

  launch_template {
    id      = aws_launch_template.plain.id
    version = aws_launch_template.plain.latest_version
  }
}
