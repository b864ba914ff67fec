resource "azurerm_kubernetes_cluster_node_pool" "aks_gpu" { # MLS007
  kubernetes_cluster_id = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/ml"
  name                  = "gpu"
  vm_size               = "Standard_NC24ads_A100_v4"
}
