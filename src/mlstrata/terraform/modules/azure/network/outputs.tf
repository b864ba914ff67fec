output "resource_group_name" {
  description = "Resource group of the environment."
  value       = azurerm_resource_group.this.name
}

output "resource_group_id" {
  description = "Resource id of the environment's resource group."
  value       = azurerm_resource_group.this.id
}

output "location" {
  description = "Region of the resource group."
  value       = azurerm_resource_group.this.location
}

output "vnet_id" {
  description = "Resource id of the VNet."
  value       = azurerm_virtual_network.this.id
}

output "subnet_ids" {
  description = "Subnet ids by purpose: nodes, private_endpoints, postgres (delegated), ci_runners."
  value       = { for k, s in azurerm_subnet.this : k => s.id }
}

output "private_dns_zone_ids" {
  description = "Private DNS zone ids by kind: blob, dfs, vault, servicebus, acr, azureml_api, azureml_nb, postgres (and redis)."
  value       = { for k, z in azurerm_private_dns_zone.this : k => z.id }
}

output "nat_gateway_id" {
  description = "NAT gateway every node's egress goes through."
  value       = azurerm_nat_gateway.this.id
}

output "nat_public_ip" {
  description = "Public IPv4 address the nodes' egress leaves from (the NAT gateway's)."
  value       = azurerm_public_ip.nat.ip_address
}

output "nat_subnet_association_ids" {
  description = "Subnet-NAT associations; the cluster depends on them (outbound_type userAssignedNATGateway)."
  value       = [for a in azurerm_subnet_nat_gateway_association.this : a.id]
}

output "runner_links" {
  description = "Peerings and private DNS links that let the CI runner VNet reach this one (empty without a runner); the key vault's data-plane calls wait for them."
  value = concat([for p in azurerm_virtual_network_peering.to_runner : p.id], [for p in azurerm_virtual_network_peering.from_runner : p.id],
  [for l in azurerm_private_dns_zone_virtual_network_link.runner : l.id])
}
