# AKS: a GPU pool within the dev ceiling of 2, and a CPU pool above it (the ceiling is for GPU pools only).
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
}

resource "azurerm_kubernetes_cluster_node_pool" "cpu" {
  kubernetes_cluster_id = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/ml"
  name                  = "cpu"
  vm_size               = "Standard_D4ds_v5"
  auto_scaling_enabled  = true
  min_count             = 1
  max_count             = 10
}

# A fixed pool within the ceiling: node_count is its size.
resource "azurerm_kubernetes_cluster_node_pool" "fixed" {
  kubernetes_cluster_id = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/ml"
  name                  = "fixed"
  vm_size               = "Standard_NC24ads_A100_v4"
  node_taints           = ["nvidia.com/gpu=true:NoSchedule"]
  node_labels           = { workload = "ml" }
  priority              = "Regular"
  gpu_driver            = "Install"
  auto_scaling_enabled  = false
  node_count            = 2
}
