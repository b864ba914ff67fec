output "serving_endpoint_name" {
  description = "Endpoint name: the handoff to the release layer."
  value       = mlstrata_serving_endpoint.this.name
}

output "serving_endpoint_url" {
  description = "Scoring URL base (POST <url>/invocations); empty while waiting for a model version."
  value       = mlstrata_serving_endpoint.this.url
}

output "serving_endpoint_model_uri" {
  description = "models:/<model>/<version> being served; empty while waiting for a model version."
  value       = mlstrata_serving_endpoint.this.model_uri
}

output "serving_endpoint_status" {
  description = "serving, stopped, or waiting for a model version."
  value       = mlstrata_serving_endpoint.this.status
}
