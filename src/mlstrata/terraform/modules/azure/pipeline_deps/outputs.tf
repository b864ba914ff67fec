output "identity_id" {
  description = "Resource id of the pipeline identity."
  value       = azurerm_user_assigned_identity.this.id
}

output "identity_name" {
  description = "Name of the pipeline identity (the PostgreSQL Entra administrator name)."
  value       = azurerm_user_assigned_identity.this.name
}

output "client_id" {
  description = "Client id for the service account annotation azure.workload.identity/client-id."
  value       = azurerm_user_assigned_identity.this.client_id
}

output "principal_id" {
  description = "Object id of the pipeline identity."
  value       = azurerm_user_assigned_identity.this.principal_id
}
