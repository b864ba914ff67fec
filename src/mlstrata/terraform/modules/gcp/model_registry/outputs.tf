output "model_registry_repository" {
  description = "Artifact Registry repository for model images (<region>-docker.pkg.dev/<project>/<repo>)."
  value       = "${var.region}-docker.pkg.dev/${var.project_id}/${local.repository.repository_id}"
}

output "model_registry_server_service_account" {
  description = "Google service account of the MLflow server (bound to its Kubernetes service account)."
  value       = google_service_account.server.email
}
