terraform {
  # Write-only arguments (password_wo, secret_data_wo) need Terraform 1.11.
  required_version = ">= 1.11"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 6.50, < 7.0"
    }
    # google_project_service_identity (the Pub/Sub service agent) exists in google-beta only.
    google-beta = {
      source  = "hashicorp/google-beta"
      version = ">= 6.50, < 7.0"
    }
  }
}
