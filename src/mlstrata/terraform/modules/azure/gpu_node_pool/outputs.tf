output "node_pool_id" {
  description = "Resource id of the node pool."
  value       = one(concat(azurerm_kubernetes_cluster_node_pool.terraform_owned[*].id, azurerm_kubernetes_cluster_node_pool.autoscaler_owned[*].id))
}

output "node_pool_name" {
  description = "Name of the node pool (the agentpool label of its nodes)."
  value       = var.name
}
