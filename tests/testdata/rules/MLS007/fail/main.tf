resource "aws_eks_node_group" "al2" {
  cluster_name    = "ml"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]
  node_group_name = "gpu-al2"
  instance_types  = ["g5.xlarge"]
  ami_type        = "AL2_x86_64_GPU" # MLS007
}

resource "aws_eks_node_group" "standard" {
  cluster_name    = "ml"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]
  node_group_name = "training"
  instance_types  = ["g6.xlarge"]
  ami_type        = "AL2023_x86_64_STANDARD" # MLS007
}

resource "aws_eks_node_group" "none" { # MLS007
  cluster_name    = "ml"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]
  node_group_name = "gpu-default"
  instance_types  = ["g6.xlarge"]
}
