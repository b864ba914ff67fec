resource "azurerm_kubernetes_cluster_node_pool" "aks_gpu" {
  kubernetes_cluster_id = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/ml"
  name                  = "gpu"
  vm_size               = "Standard_NC40ads_H100_v5"
  node_taints           = [] # MLS004
}

resource "azurerm_kubernetes_cluster_node_pool" "aks_gpu_untainted" { # MLS004
  kubernetes_cluster_id = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/ml"
  name                  = "gpu2"
  vm_size               = "Standard_NC40ads_H100_v5"
}
