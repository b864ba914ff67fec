output "observability_namespace" {
  description = "Namespace the releases are installed in."
  value       = var.namespace
}

output "observability_releases" {
  description = "Names of the Helm releases installed by this module."
  value       = module.stack.releases
}
