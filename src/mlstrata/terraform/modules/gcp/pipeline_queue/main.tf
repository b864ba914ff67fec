data "google_project" "this" {
  project_id = var.project_id
}

locals {
  # Pub/Sub forwards undeliverable messages as its own service agent
  # (https://cloud.google.com/pubsub/docs/handling-failures#grant_forwarding_permissions).
  pubsub_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

# That agent is created just in time, on the API's first use, not when the API is enabled
# (https://cloud.google.com/iam/docs/create-service-agents: "If a service agent hasn't been created yet, then you
# can't grant roles to the service agent"; GoogleCloudPlatform/cloud-foundation-fabric service-agents.yaml marks the
# Pub/Sub agent jit), so on a fresh project the grants below failed with "Service account
# service-...@gcp-sa-pubsub.iam.gserviceaccount.com does not exist" (hashicorp/terraform-provider-google#7281).
# generateServiceIdentity creates it, or returns it when it exists; the resource is in google-beta only. The grants
# keep the member built from the project number (known when planning) and wait for this.
resource "google_project_service_identity" "pubsub" {
  provider = google-beta

  project = var.project_id
  service = "pubsub.googleapis.com"
}

resource "google_pubsub_topic" "this" {
  project                    = var.project_id
  name                       = var.name
  labels                     = var.labels
  message_retention_duration = "${var.message_retention_seconds}s"
}

resource "google_pubsub_topic" "dead_letter" {
  project                    = var.project_id
  name                       = "${var.name}-dead-letter"
  labels                     = var.labels
  message_retention_duration = "${var.message_retention_seconds}s"
}

resource "google_pubsub_subscription" "this" {
  project                    = var.project_id
  name                       = var.name
  topic                      = google_pubsub_topic.this.id
  labels                     = var.labels
  ack_deadline_seconds       = var.ack_deadline_seconds
  message_retention_duration = "${var.message_retention_seconds}s"

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter.id
    max_delivery_attempts = var.max_delivery_attempts
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  expiration_policy {
    # Never expire for inactivity: an idle pipeline queue is normal.
    ttl = ""
  }
}

# Kept for inspection and replay; its subscription never expires either.
resource "google_pubsub_subscription" "dead_letter" {
  project                    = var.project_id
  name                       = "${var.name}-dead-letter"
  topic                      = google_pubsub_topic.dead_letter.id
  labels                     = var.labels
  message_retention_duration = "${var.message_retention_seconds}s"

  expiration_policy {
    ttl = ""
  }
}

resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  project = var.project_id
  topic   = google_pubsub_topic.dead_letter.name
  role    = "roles/pubsub.publisher"
  member  = local.pubsub_agent

  depends_on = [google_project_service_identity.pubsub]
}

resource "google_pubsub_subscription_iam_member" "dead_letter_subscriber" {
  project      = var.project_id
  subscription = google_pubsub_subscription.this.name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_agent

  depends_on = [google_project_service_identity.pubsub]
}
