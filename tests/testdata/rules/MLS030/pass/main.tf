resource "aws_eks_node_group" "training" {
  cluster_name    = "ml"
  node_group_name = "gpu-training"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]

  scaling_config {
    min_size     = 0
    max_size     = 2
    desired_size = 0
  }
}

resource "aws_eks_node_group" "serving" {
  cluster_name    = "ml"
  node_group_name = "gpu-serving"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]

  scaling_config {
    min_size     = 0
    max_size     = 2
    desired_size = 0
  }
}

# The same name in another cluster is another node group.
resource "aws_eks_node_group" "other_cluster" {
  cluster_name    = "ml-eu"
  node_group_name = "gpu-training"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]

  scaling_config {
    min_size     = 0
    max_size     = 2
    desired_size = 0
  }
}
