terraform {
  backend "s3" {}
}

resource "aws_eks_node_group" "serving" {
  cluster_name    = "ml"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]
  node_group_name = "serving"
  instance_types  = ["g6e.xlarge"]

  scaling_config {
    min_size     = 1
    max_size     = 2
    desired_size = 1
  }
}

resource "aws_eks_node_group" "training" {
  cluster_name    = "ml"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]
  node_group_name = "training"
  instance_types  = ["g6.2xlarge"]

  lifecycle {
    ignore_changes = [scaling_config[0].desired_size]
  }
}
