output "endpoint_name" {
  description = "Name of the endpoint the release layer deploys inference components to."
  value       = aws_sagemaker_endpoint.this.name
}

output "endpoint_arn" {
  description = "ARN of the endpoint."
  value       = aws_sagemaker_endpoint.this.arn
}

output "variant_name" {
  description = "Production variant inference components are placed on."
  value       = var.variant_name
}

output "execution_role_arn" {
  description = "SageMaker execution role of the endpoint; the release layer passes it to CreateModel."
  value       = module.role.role_arn
}
