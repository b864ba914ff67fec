resource "aws_eks_cluster" "this" {
  name     = "ml"
  role_arn = "arn:aws:iam::111111111111:role/cluster"
  version  = "1.34"

  vpc_config {
    subnet_ids = ["subnet-1", "subnet-2"]
  }
}

resource "aws_eks_node_group" "gpu" {
  cluster_name    = aws_eks_cluster.this.name
  node_group_name = "gpu"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]
  version         = aws_eks_cluster.this.version

  scaling_config {
    min_size     = 0
    max_size     = 2
    desired_size = 0
  }
}

# A custom AMI decides the kubelet version; EKS refuses `version` with a launch template image_id.
resource "aws_launch_template" "custom" {
  image_id = "ami-0123456789abcdef0"
}

resource "aws_eks_node_group" "custom" {
  cluster_name    = aws_eks_cluster.this.name
  node_group_name = "custom"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]

  launch_template {
    id      = aws_launch_template.custom.id
    version = aws_launch_template.custom.latest_version
  }

  scaling_config {
    min_size     = 0
    max_size     = 2
    desired_size = 0
  }
}
