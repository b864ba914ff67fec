output "namespace_id" {
  description = "Resource id of the Service Bus namespace."
  value       = azurerm_servicebus_namespace.this.id
}

output "queue_id" {
  description = "Resource id of the pipeline queue (role assignment scope)."
  value       = azurerm_servicebus_queue.this.id
}

output "queue_name" {
  description = "Name of the pipeline queue."
  value       = azurerm_servicebus_queue.this.name
}

output "namespace_endpoint" {
  description = "Endpoint of the namespace."
  value       = azurerm_servicebus_namespace.this.endpoint
}
