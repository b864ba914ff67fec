output "vnet_id" {
  description = "Resource id of the runner VNet (the environment's base layer peers with it)."
  value       = azurerm_virtual_network.this.id
}

output "subnet_id" {
  description = "Resource id of the runner subnet (allow it on the state account)."
  value       = azurerm_subnet.runners.id
}

output "job_name" {
  description = "Container Apps job that runs the runner."
  value       = azurerm_container_app_job.runner.name
}

output "resource_group_name" {
  description = "Resource group of the runner."
  value       = azurerm_resource_group.this.name
}

output "egress_ip" {
  description = "Public address the runner's traffic leaves through."
  value       = azurerm_public_ip.nat.ip_address
}
