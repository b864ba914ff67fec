output "storage_account_name" {
  description = "Storage account holding every unit's state."
  value       = azurerm_storage_account.this.name
}

output "container_name" {
  description = "Container of the state blobs."
  value       = azurerm_storage_container.this.name
}

output "storage_account_id" {
  description = "Resource id of the state storage account."
  value       = azurerm_storage_account.this.id
}
