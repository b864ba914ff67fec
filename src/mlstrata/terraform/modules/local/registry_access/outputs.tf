output "registry_access_grants" {
  description = "Model -> service account -> permission, as applied."
  value       = { for model, p in mlstrata_registry_permissions.this : model => p.grants }
}
