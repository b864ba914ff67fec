variable "autoscaled" {
  type    = bool
  default = false
}

resource "aws_eks_node_group" "fixed" {
  count           = var.autoscaled ? 0 : 1
  cluster_name    = "ml"
  node_group_name = "gpu-training"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]

  scaling_config {
    min_size     = 1
    max_size     = 2
    desired_size = 1
  }
}

resource "aws_eks_node_group" "autoscaled" {
  count           = var.autoscaled ? 1 : 0
  cluster_name    = "ml"
  node_group_name = "gpu-training" # MLS030
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]

  scaling_config {
    min_size     = 0
    max_size     = 2
    desired_size = 0
  }

  lifecycle {
    ignore_changes = [scaling_config[0].desired_size]
  }
}
