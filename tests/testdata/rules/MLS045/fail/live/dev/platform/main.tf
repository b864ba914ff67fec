module "kserve" {
  source = "../../../modules/kserve"

  classes = {
    warm = { # MLS045
      node_selector = { "mlstrata.dev/gpu-pool" = "serving" }
      gpu_quota     = 2
      min_replicas  = 1
    }
  }
}

resource "helm_release" "llm" {
  name  = "llm"
  chart = "llm"

  predictor = { nodeSelector = { "mlstrata.dev/gpu-pool" = "serving" }, gpus = 4, minReplicas = 2 } # MLS045
}
