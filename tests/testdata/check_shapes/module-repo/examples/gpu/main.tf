provider "aws" {
  region = "us-east-1"
}

module "training" {
  source = "../../modules/node-group"
  count  = 2

  cluster_name   = "ml"
  name           = "training-${count.index}"
  instance_types = ["p5.48xlarge"]
  ami_type       = "AL2023_x86_64_NVIDIA"
  max_size       = 64
  labels         = { "nvidia.com/gpu.present" = "true" }
}

module "inference" {
  source = "../../modules/node-group"

  cluster_name   = "ml"
  name           = "inference"
  instance_types = ["g6e.2xlarge"]
  ami_type       = "BOTTLEROCKET_x86_64_NVIDIA"
  max_size       = 8
  taints = {
    gpu = { key = "nvidia.com/gpu", value = "true", effect = "NO_SCHEDULE" }
  }
}
