# The pipeline runner's identity: a Google service account that only the runner's Kubernetes
# service account can act as (Workload Identity, no key files), with access to exactly the
# platform pieces it needs.
resource "google_service_account" "this" {
  project      = var.project_id
  account_id   = substr(var.name, 0, 30)
  display_name = "${var.purpose} ${var.namespace}/${var.kubernetes_service_account}"
}

resource "google_service_account_iam_member" "workload_identity" {
  service_account_id = google_service_account.this.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "serviceAccount:${var.workload_pool}[${var.namespace}/${var.kubernetes_service_account}]"
}

locals {
  member = "serviceAccount:${google_service_account.this.email}"
}

resource "google_storage_bucket_iam_member" "artifacts" {
  for_each = toset(var.artifact_bucket_names)

  bucket = each.value
  role   = "roles/storage.objectUser"
  member = local.member
}

# Model versions of a registry stage are read, never overwritten (serving classes).
resource "google_storage_bucket_iam_member" "read_only" {
  for_each = toset(var.read_only_bucket_names)

  bucket = each.value
  role   = "roles/storage.objectViewer"
  member = local.member
}

resource "google_pubsub_topic_iam_member" "publisher" {
  for_each = var.topic_ids

  topic  = each.value
  role   = "roles/pubsub.publisher"
  member = local.member
}

resource "google_pubsub_subscription_iam_member" "subscriber" {
  for_each = var.subscription_ids

  subscription = each.value
  role         = "roles/pubsub.subscriber"
  member       = local.member
}

resource "google_secret_manager_secret_iam_member" "secrets" {
  for_each = var.secret_ids

  secret_id = each.value
  role      = "roles/secretmanager.secretAccessor"
  member    = local.member
}

# cloudsql.client is a project role; the condition limits it to the listed instances.
resource "google_project_iam_member" "sql" {
  count = length(var.database_instance_names) > 0 ? 1 : 0

  project = var.project_id
  role    = "roles/cloudsql.client"
  member  = local.member

  condition {
    title       = "pipeline-sql-instances"
    description = "Only the pipeline metadata instances."
    expression  = join(" || ", [for i in var.database_instance_names : "resource.name == \"projects/${var.project_id}/instances/${i}\""])
  }
}
