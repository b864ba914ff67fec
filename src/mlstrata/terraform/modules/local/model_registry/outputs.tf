output "registry_id" {
  description = "Registry id, for registry_access and service accounts."
  value       = mlstrata_model_registry.this.id
}

output "registry_tracking_uri" {
  description = "MLflow tracking/registry URI (never carries a password)."
  value       = mlstrata_model_registry.this.tracking_uri
}

output "registry_ui_command" {
  description = "Command that serves this registry's MLflow UI with basic-auth."
  value       = mlstrata_model_registry.this.ui_command
}

output "registry_admin_password_file" {
  description = "File (mode 0600) holding the admin password."
  value       = mlstrata_model_registry.this.admin_password_file
}

output "registry_model_names" {
  description = "Registered model names."
  value       = sort([for m in mlstrata_registered_model.this : m.name])
}

output "registry_service_account_password_files" {
  description = "Service account -> file (mode 0600) holding its password."
  value       = { for name, a in mlstrata_service_account.this : name => a.password_file }
}
