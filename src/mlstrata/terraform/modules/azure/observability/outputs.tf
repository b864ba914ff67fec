output "observability_namespace" {
  description = "Namespace of the monitoring stack and the DCGM exporter."
  value       = var.namespace
}

output "monitor_workspace_id" {
  description = "Azure Monitor workspace of managed Prometheus (null in kube_prometheus_stack mode)."
  value       = one(azurerm_monitor_workspace.this[*].id)
}
