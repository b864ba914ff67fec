resource "azurerm_kubernetes_cluster_node_pool" "aks_gpu" {
  kubernetes_cluster_id = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/ml"
  name                  = "gpu"
  vm_size               = "Standard_D16ds_v5" # MLS001
  gpu_driver            = "Install"
}
