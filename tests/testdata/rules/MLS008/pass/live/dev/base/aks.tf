# AKS: node_count ignored only for the pool whose spec says `desired: autoscaler`; serving's count is enforced.
resource "azurerm_kubernetes_cluster_node_pool" "serving" {
  kubernetes_cluster_id = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/ml"
  name                  = "serving"
  vm_size               = "Standard_NC40ads_H100_v5"
  node_taints           = ["nvidia.com/gpu=true:NoSchedule"]
  node_labels           = { workload = "ml" }
  priority              = "Regular"
  gpu_driver            = "Install"
  node_count            = 1
}

resource "azurerm_kubernetes_cluster_node_pool" "training" {
  kubernetes_cluster_id = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/ml"
  name                  = "training"
  vm_size               = "Standard_NC24ads_A100_v4"
  node_taints           = ["nvidia.com/gpu=true:NoSchedule"]
  node_labels           = { workload = "ml" }
  priority              = "Regular"
  gpu_driver            = "Install"
  auto_scaling_enabled  = true
  min_count             = 0
  max_count             = 2

  lifecycle {
    ignore_changes = [node_count]
  }
}
