output "orchestrator_namespace" {
  description = "Namespace workflows are submitted to."
  value       = var.namespace
}

output "orchestrator_service_account" {
  description = "Service account workflows run as (carries the pipeline identity)."
  value       = var.service_account
}

output "orchestrator_release" {
  description = "Name of the Helm release."
  value       = helm_release.argo_workflows.name
}
