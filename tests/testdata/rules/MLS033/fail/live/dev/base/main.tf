provider "aws" {
  region = "us-east-1"
}

resource "aws_eks_node_group" "training" { # MLS033
  cluster_name    = "ml"
  node_group_name = "training"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]
  instance_types  = ["p5.48xlarge"]
  ami_type        = "AL2023_x86_64_NVIDIA"

  scaling_config {
    min_size     = 0
    max_size     = 2
    desired_size = 0
  }
}

module "serving" { # MLS033
  source   = "../../../modules/pool"
  name     = "serving"
  ami_type = "AL2023_x86_64_NVIDIA"
}

# The EFA device plugin advertises network interfaces, not GPUs.
resource "helm_release" "efa" {
  name       = "aws-efa-k8s-device-plugin"
  repository = "https://aws.github.io/eks-charts"
  chart      = "aws-efa-k8s-device-plugin"
}
