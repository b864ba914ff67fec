module "kserve" {
  source = "../../../modules/kserve"

  classes = {
    warm = {
      node_selector = { "mlstrata.dev/gpu-pool" = "serving" }
      gpu_quota     = 5
      min_replicas  = 1
    }
  }
}
