# Vertex AI Model Registry has no Terraform resource for models (see README): the registry is
# MLflow, and this module is the infrastructure around it that Terraform can own.

# Model serving images, one repository per stage. Two resources because prevent_destroy cannot take a
# variable (https://github.com/hashicorp/terraform/issues/22544); exactly one exists, keep them identical.
resource "google_artifact_registry_repository" "protected" {
  count = var.protect ? 1 : 0

  project       = var.project_id
  location      = var.region
  repository_id = "${var.name}-models"
  description   = "Model images of stage ${var.stage}"
  format        = "DOCKER"
  labels        = var.labels

  docker_config {
    # A promoted image tag must keep pointing at what was reviewed.
    immutable_tags = true
  }

  lifecycle {
    prevent_destroy = true
  }
}

resource "google_artifact_registry_repository" "this" {
  count = var.protect ? 0 : 1

  project       = var.project_id
  location      = var.region
  repository_id = "${var.name}-models"
  description   = "Model images of stage ${var.stage}"
  format        = "DOCKER"
  labels        = var.labels

  docker_config {
    # A promoted image tag must keep pointing at what was reviewed.
    immutable_tags = true
  }
}

locals {
  repository = one(concat(google_artifact_registry_repository.protected, google_artifact_registry_repository.this))
}

resource "google_artifact_registry_repository_iam_member" "writers" {
  for_each = var.promoter_members

  project    = var.project_id
  location   = var.region
  repository = local.repository.name
  role       = "roles/artifactregistry.writer"
  member     = each.value
}

resource "google_artifact_registry_repository_iam_member" "readers" {
  for_each = var.reader_members

  project    = var.project_id
  location   = var.region
  repository = local.repository.name
  role       = "roles/artifactregistry.reader"
  member     = each.value
}

# The MLflow tracking server's own identity: a Google service account bound to its Kubernetes
# service account through Workload Identity (no key files).
resource "google_service_account" "server" {
  project      = var.project_id
  account_id   = coalesce(var.server_service_account_id, substr("${var.name}-mlflow", 0, 30))
  display_name = "MLflow registry server of stage ${var.stage}"
}

resource "google_service_account_iam_member" "workload_identity" {
  service_account_id = google_service_account.server.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "serviceAccount:${var.workload_pool}[${var.namespace}/${var.kubernetes_service_account}]"
}

# The server reads the registry's metadata database over its private IP through the Cloud SQL Auth
# Proxy; cloudsql.client is a project role, scoped here to this one instance by an IAM condition.
resource "google_project_iam_member" "server_sql" {
  project = var.project_id
  role    = "roles/cloudsql.client"
  member  = "serviceAccount:${google_service_account.server.email}"

  condition {
    title      = "only-${var.database_instance_name}"
    expression = "resource.name == \"projects/${var.project_id}/instances/${var.database_instance_name}\" && resource.service == \"sqladmin.googleapis.com\""
  }
}
