output "pipeline_service_account_email" {
  description = "Google service account of the pipeline runner; annotate the Kubernetes service account with it (iam.gke.io/gcp-service-account)."
  value       = google_service_account.this.email
}
