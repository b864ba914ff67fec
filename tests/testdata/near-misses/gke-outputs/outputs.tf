# Modelled on GKE/EKS module outputs and data-lake modules.

output "get_credentials_command" {
  description = "Run this to point kubectl at the cluster."
  value       = "gcloud container clusters get-credentials ${google_container_cluster.this.name} --region ${var.region} --project ${var.project_id}"
}

output "configure_kubectl_credentials" {
  description = "The same for EKS."
  value       = "aws eks --region ${var.region} update-kubeconfig --name ${var.cluster_name}"
}

output "hf_token_secret" {
  description = "Name of the Kubernetes secret with the Hugging Face token."
  value       = kubernetes_secret_v1.hf.metadata[0].name
}

output "hf_token_secret_namespace" {
  value = kubernetes_secret_v1.hf.metadata[0].namespace
}

output "table_version_token" {
  description = "S3 Tables version token (optimistic concurrency), not a credential."
  value       = aws_s3tables_table.events.version_token
}

output "db_password_secret_arn" {
  value = aws_db_instance.metadata.master_user_secret[0].secret_arn
}

output "registry_service_account_password_files" {
  value = { for name, account in local.accounts : name => account.password_file }
}

output "oidc_token_audience" {
  value = "sts.amazonaws.com"
}

output "db_password" { # MLS019
  value = random_password.db.result
}

output "kubeconfig" { # MLS019
  value = local.kubeconfig
}

output "grafana_admin_token" { # MLS019
  value = var.grafana_admin_token
}

output "connection" { # MLS019
  value = azurerm_storage_account.models.primary_connection_string
}
