resource "aws_eks_node_group" "al2023" {
  cluster_name    = "ml"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]
  node_group_name = "gpu"
  instance_types  = ["g6.xlarge"]
  ami_type        = "AL2023_x86_64_NVIDIA"
}

resource "aws_eks_node_group" "bottlerocket" {
  cluster_name    = "ml"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]
  node_group_name = "gpu-br"
  instance_types  = ["g6.xlarge"]
  ami_type        = "BOTTLEROCKET_x86_64_NVIDIA"
}

# CPU pool: the standard image is right.
resource "aws_eks_node_group" "system" {
  cluster_name    = "ml"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]
  node_group_name = "system"
  instance_types  = ["m7i.large"]
  ami_type        = "AL2023_x86_64_STANDARD"
}
