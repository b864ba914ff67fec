resource "aws_eks_node_group" "gpu" {
  cluster_name    = "ml"
  node_group_name = "gpu"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]
  instance_types  = ["g6e.xlarge"]
  ami_type        = "AL2023_x86_64_NVIDIA"
}

# The instance type lives in the launch template (capacity blocks work this way).
resource "aws_launch_template" "block" {
  instance_type = "p5.48xlarge"
}

resource "aws_eks_node_group" "block" {
  cluster_name    = "ml"
  node_group_name = "gpu-block"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]
  ami_type        = "AL2023_x86_64_NVIDIA"

  launch_template {
    id      = aws_launch_template.block.id
    version = aws_launch_template.block.latest_version
  }
}

# Not a GPU pool: no instance types is EKS's default and not this rule's business.
resource "aws_eks_node_group" "system" {
  cluster_name    = "ml"
  node_group_name = "system"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]
}

# instance_types = null (capacity blocks must leave it unset) with the type in the launch template.
resource "aws_eks_node_group" "block_null" {
  cluster_name    = "ml"
  node_group_name = "gpu-block-null"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]
  instance_types  = null
  ami_type        = "AL2023_x86_64_NVIDIA"

  launch_template {
    id      = aws_launch_template.block.id
    version = aws_launch_template.block.latest_version
  }
}
