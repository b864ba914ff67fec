module "kserve" {
  source = "../../../modules/kserve"

  classes = {
    typo = { # MLS044
      namespace     = "serving-typo"
      node_selector = { "mlstrata.dev/gpu-pool" = "servng" }
      tolerations   = [{ key = "nvidia.com/gpu", operator = "Equal", value = "true", effect = "NoSchedule" }]
    }
    untolerated = { # MLS044
      namespace     = "serving-untolerated"
      node_selector = { "mlstrata.dev/gpu-pool" = "serving" }
      tolerations   = []
    }
    wrong_value = { # MLS044
      namespace     = "serving-wrong-value"
      node_selector = { workload = "inference" }
      tolerations   = [{ key = "nvidia.com/gpu", operator = "Equal", value = "false", effect = "NoSchedule" }]
    }
  }
}

resource "helm_release" "batch" {
  name          = "batch"
  chart         = "batch"
  node_selector = { workload = "training" } # MLS044
}
