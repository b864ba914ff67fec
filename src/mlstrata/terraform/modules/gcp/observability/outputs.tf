output "observability_namespace" {
  description = "Namespace of the monitoring stack."
  value       = var.namespace
}
