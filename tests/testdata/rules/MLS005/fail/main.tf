resource "aws_eks_node_group" "gpu" { # MLS005
  cluster_name    = "ml"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]
  node_group_name = "gpu"
  instance_types  = ["g6e.xlarge"]
}

resource "aws_eks_node_group" "gpu_empty" {
  cluster_name    = "ml"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]
  node_group_name = "gpu-empty"
  instance_types  = ["g6e.xlarge"]
  labels          = {} # MLS005
}
