provider "aws" {
  region = "us-east-1"
}

module "pool" { # MLS034
  source = "../../../modules/pool"
  taints = [{ key = "nvidia.com/gpu", value = "true", effect = "NO_SCHEDULE" }]
}

resource "aws_eks_node_group" "gpu" {
  cluster_name    = "ml"
  node_group_name = "gpu"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]

  scaling_config {
    min_size     = 0
    max_size     = 2
    desired_size = 0
  }

  taint {
    key    = "workload"
    value  = "batch"
    effect = "NO_EXECUTE"
  }
}
