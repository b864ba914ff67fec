module "kserve" {
  source = "../../../modules/kserve"

  classes = {
    idle_at_zero = {
      node_selector = { "mlstrata.dev/gpu-pool" = "serving" }
      gpu_quota     = 2
      min_replicas  = 0
    }
    cpu_warm = {
      node_selector = { "mlstrata.dev/pool" = "system" }
      gpu_quota     = 0
      min_replicas  = 2
    }
  }
}
