module "kserve" {
  source = "../../../modules/kserve"

  classes = {
    gpu = {
      namespace     = "serving-gpu"
      node_selector = { "mlstrata.dev/gpu-pool" = "serving" }
      tolerations   = [{ key = "nvidia.com/gpu", operator = "Equal", value = "true", effect = "NoSchedule" }]
    }
    any_gpu = {
      namespace     = "serving-any-gpu"
      node_selector = { workload = "inference" }
      tolerations   = [{ key = "nvidia.com/gpu", operator = "Exists", value = "", effect = "" }]
    }
    cpu = {
      namespace     = "serving-cpu"
      node_selector = { "mlstrata.dev/pool" = "system" }
      tolerations   = []
    }
    by_arch = {
      namespace     = "serving-arch"
      node_selector = { "kubernetes.io/arch" = "amd64" }
    }
  }
}

resource "helm_release" "batch" {
  name          = "batch"
  chart         = "batch"
  node_selector = { "mlstrata.dev/pool" = "system" }
}
