# AKS: ignoring node_count hands the count to the cluster autoscaler; the spec says Terraform owns serving's.
resource "azurerm_kubernetes_cluster_node_pool" "serving" {
  kubernetes_cluster_id = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/ml"
  name                  = "serving" # MLS008
  vm_size               = "Standard_NC40ads_H100_v5"
  node_taints           = ["nvidia.com/gpu=true:NoSchedule"]
  node_labels           = { workload = "ml" }
  priority              = "Regular"
  gpu_driver            = "Install"
  node_count            = 1

  lifecycle {
    ignore_changes = [node_count]
  }
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
