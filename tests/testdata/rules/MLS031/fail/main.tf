resource "aws_eks_cluster" "this" {
  name     = "ml"
  role_arn = "arn:aws:iam::111111111111:role/cluster"
  version  = "1.34"

  vpc_config {
    subnet_ids = ["subnet-1", "subnet-2"]
  }
}

resource "aws_eks_node_group" "gpu" { # MLS031
  cluster_name    = aws_eks_cluster.this.name
  node_group_name = "gpu"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]

  scaling_config {
    min_size     = 0
    max_size     = 2
    desired_size = 0
  }
}
