output "endpoint_name" {
  description = "Name the release layer creates the endpoint under (and tags as mlstrata:endpoint)."
  value       = var.name
}

output "variant_name" {
  description = "Production variant name of the release's endpoint configuration."
  value       = var.variant_name
}

output "execution_role_arn" {
  description = "SageMaker execution role; the release layer passes it to CreateModel."
  value       = module.role.role_arn
}

output "endpoint_tags" {
  description = "Tags the release layer sets on the endpoint; the scaling target is registered once they are found."
  value       = { "mlstrata:endpoint" = var.name }
}

output "endpoint_config_json" {
  description = "CreateEndpointConfig request the release layer sends after adding EndpointConfigName and each variant's ModelName: the shape Terraform owns."
  value       = local.endpoint_config[var.kind]
}

output "autoscaling_registered" {
  description = "Whether the variant's scaling target is registered (false until the release has created the endpoint)."
  value       = local.released
}
