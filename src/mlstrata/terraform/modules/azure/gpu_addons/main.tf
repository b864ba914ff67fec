# AKS installs the NVIDIA driver on GPU nodes (gpu_driver = "Install") but not the device plugin that
# advertises nvidia.com/gpu to the scheduler: without it no pod can request a GPU.
# https://learn.microsoft.com/azure/aks/use-nvidia-gpu
resource "helm_release" "nvidia_device_plugin" {
  name             = "nvidia-device-plugin"
  repository       = "https://nvidia.github.io/k8s-device-plugin"
  chart            = "nvidia-device-plugin"
  version          = var.device_plugin_chart_version
  namespace        = var.namespace
  create_namespace = true
  atomic           = true
  timeout          = 600
  max_history      = 10

  values = [yamlencode({
    # MIG pools (gpu_instance) expose one MIG slice size per node: the "single" strategy.
    migStrategy = var.mig_strategy
    # AKS labels every GPU node with its accelerator.
    nodeSelector = {
      "kubernetes.azure.com/accelerator" = "nvidia"
    }
    tolerations = [for key in var.toleration_keys : {
      key      = key
      operator = "Exists"
    }]
  })]
}
