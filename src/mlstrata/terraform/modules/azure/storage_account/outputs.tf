output "storage_account_id" {
  description = "Resource id of the storage account."
  value       = azurerm_storage_account.this.id
}

output "storage_account_name" {
  description = "Name of the storage account."
  value       = azurerm_storage_account.this.name
}

output "container_id" {
  description = "Resource id of the blob container (role assignment scope)."
  value       = azurerm_storage_container.this.id
}

output "blob_endpoint" {
  description = "Blob endpoint (resolves to the private endpoint inside the VNet)."
  value       = azurerm_storage_account.this.primary_blob_endpoint
}
