resource "azurerm_kubernetes_cluster_node_pool" "aks_gpu" {
  kubernetes_cluster_id = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/ml"
  name                  = "gpu"
  vm_size               = "Standard_NC24ads_A100_v4"
  auto_scaling_enabled  = true
  min_count             = 0
  max_count             = 2
  node_taints           = ["nvidia.com/gpu=true:NoSchedule"]
  node_labels           = { workload = "training" }
  priority              = "Regular"
  gpu_driver            = "Install"
}
