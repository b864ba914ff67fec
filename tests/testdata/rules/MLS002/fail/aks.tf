resource "azurerm_kubernetes_cluster_node_pool" "aks_gpu" {
  kubernetes_cluster_id = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/ml"
  name                  = "gpu"
  vm_size               = "Standard_ND96isr_H100_v5"
  auto_scaling_enabled  = true # MLS002
  min_count             = 0
}
