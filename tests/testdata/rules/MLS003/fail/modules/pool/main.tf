variable "max_nodes" {
  description = "Maximum node count."
  type        = number
}

resource "aws_eks_node_group" "this" {
  cluster_name    = "ml"
  node_group_name = "training"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]
  instance_types  = ["g6.2xlarge"]

  scaling_config {
    min_size     = 0
    max_size     = var.max_nodes
    desired_size = 0
  }
}
