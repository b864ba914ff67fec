provider "aws" {
  region = "us-east-1"
}

module "gpu" {
  source = "../../../modules/pool"
  taints = [{ key = "nvidia.com/gpu", value = "true", effect = "NO_SCHEDULE" }]
}

# No taints: CoreDNS and controllers run here.
module "system" {
  source = "../../../modules/pool"
  taints = []
}
