provider "aws" {
  region = "eu-west-1"
}

module "platform" {
  source = "../../"

  name                = var.name
  artifact_bucket_sse = "AES256"

  node_groups = {
    gpu = {
      instance_types = ["g6.xlarge"]
      ami_type       = "AL2_x86_64_GPU"
      max_size       = 4
    }
  }
}

module "disabled" {
  source = "../../"

  create = false
  name   = "off"
}

variable "name" {
  description = "Name prefix."
  type        = string
  default     = "example"
}
