output "namespace" {
  description = "Namespace the releases are installed in."
  value       = var.namespace
}

output "releases" {
  description = "Names of the Helm releases installed."
  value       = concat(helm_release.kube_prometheus_stack[*].name, helm_release.dcgm_exporter[*].name)
}
