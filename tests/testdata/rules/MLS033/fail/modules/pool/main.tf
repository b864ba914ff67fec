variable "name" {
  type = string
}

variable "ami_type" {
  type = string
}

resource "aws_eks_node_group" "this" {
  cluster_name    = "ml"
  node_group_name = var.name
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]
  instance_types  = ["g6e.xlarge"]
  ami_type        = var.ami_type

  scaling_config {
    min_size     = 0
    max_size     = 2
    desired_size = 0
  }
}
