resource "aws_eks_node_group" "gpu" { # MLS004
  cluster_name    = "ml"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]
  node_group_name = "gpu"
  instance_types  = ["g6e.xlarge"]
}

resource "aws_eks_node_group" "wrong_key" { # MLS004
  cluster_name    = "ml"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]
  node_group_name = "gpu-wrong-key"
  instance_types  = ["g6e.xlarge"]

  taint {
    key    = "dedicated"
    value  = "batch"
    effect = "NO_SCHEDULE"
  }
}

module "pool" {
  source = "./modules/pool"
  taints = [] # MLS004
}
