# AKS: max_count is the GPU pool's ceiling (azurerm_kubernetes_cluster_node_pool with auto_scaling_enabled).
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
  max_count             = 4 # MLS003
}

resource "azurerm_kubernetes_cluster_node_pool" "system_like" {
  kubernetes_cluster_id = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/ml"
  name                  = "cpu"
  vm_size               = "Standard_D4ds_v5"
  auto_scaling_enabled  = true
  min_count             = 1
  max_count             = 10
}

# Without AKS's autoscaler (auto_scaling_enabled false, azurerm's default) the pool is node_count nodes.
resource "azurerm_kubernetes_cluster_node_pool" "fixed" {
  kubernetes_cluster_id = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/ml"
  name                  = "fixed"
  vm_size               = "Standard_NC24ads_A100_v4"
  node_taints           = ["nvidia.com/gpu=true:NoSchedule"]
  node_labels           = { workload = "ml" }
  priority              = "Regular"
  gpu_driver            = "Install"
  node_count            = 3 # MLS003
}
