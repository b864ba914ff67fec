provider "aws" {
  region = "us-east-1"
}

resource "aws_eks_node_group" "training" {
  cluster_name    = "ml"
  node_group_name = "training"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]
  instance_types  = ["p5.48xlarge"]
  ami_type        = "AL2023_x86_64_NVIDIA"

  scaling_config {
    min_size     = 0
    max_size     = 2
    desired_size = 0
  }
}
