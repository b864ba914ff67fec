output "workspace_id" {
  description = "Resource id of the Azure ML workspace."
  value       = azapi_resource.workspace.id
}

output "registry_id" {
  description = "Resource id of the stage's Azure ML registry."
  value       = azapi_resource.registry.id
}

output "registry_name" {
  description = "Name of the stage's Azure ML registry."
  value       = azapi_resource.registry.name
}

output "mlflow_registry_uri" {
  description = "MLflow registry URI of the stage's registry (azureml://...)."
  value       = azapi_resource.registry.output.properties.mlFlowRegistryUri
}

output "container_registry_id" {
  description = "Resource id of the workspace's container registry."
  value       = azurerm_container_registry.this.id
}

output "container_registry_login_server" {
  description = "Login server of the container registry."
  value       = azurerm_container_registry.this.login_server
}
