resource "aws_eks_node_group" "system" {
  cluster_name    = "ml"
  node_group_name = "system"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]
  labels          = { "mlstrata.dev/pool" = "system" }
}

resource "aws_eks_node_group" "serving" {
  cluster_name    = "ml"
  node_group_name = "serving"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]
  instance_types  = ["g6e.xlarge"]
  labels          = { "mlstrata.dev/gpu-pool" = "serving", workload = "inference" }

  taint {
    key    = "nvidia.com/gpu"
    value  = "true"
    effect = "NO_SCHEDULE"
  }
}
