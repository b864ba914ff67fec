terraform {
  backend "s3" {}
}

variable "direct_max" {
  description = "Maximum of the direct pool."
  type        = number
  default     = 2
}

module "pool" {
  source    = "../../../modules/pool"
  max_nodes = 5 # MLS003
}

resource "aws_eks_node_group" "direct" {
  cluster_name    = "ml"
  node_group_name = "training"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]
  instance_types  = ["g6.2xlarge"]

  scaling_config {
    min_size     = 0
    max_size     = var.direct_max
    desired_size = 0
  }
}
