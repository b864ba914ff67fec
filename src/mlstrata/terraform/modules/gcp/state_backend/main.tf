data "google_storage_project_service_account" "this" {
  project = var.project_id
}

resource "google_kms_key_ring" "this" {
  project  = var.project_id
  name     = "${var.bucket_name}-state"
  location = var.location
}

resource "google_kms_crypto_key" "this" {
  name                       = "${var.bucket_name}-state"
  key_ring                   = google_kms_key_ring.this.id
  rotation_period            = "7776000s"
  destroy_scheduled_duration = "2592000s"

  # Losing this key loses every state: never destroyed by Terraform.
  lifecycle {
    prevent_destroy = true
  }
}

resource "google_kms_crypto_key_iam_member" "gcs" {
  crypto_key_id = google_kms_crypto_key.this.id
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = "serviceAccount:${data.google_storage_project_service_account.this.email_address}"
}

# The grant takes about two minutes to be effective (https://cloud.google.com/iam/docs/access-change-propagation);
# a CMEK bucket created before fails with "Permission denied on Cloud KMS key"
# (hashicorp/terraform-provider-google#10310). The bucket waits, as modules/kms_key's consumers do.
resource "time_sleep" "grant_propagation" {
  create_duration = "120s"

  depends_on = [google_kms_crypto_key_iam_member.gcs]
}

# The gcs backend locks a state with a lock object written under a generation precondition; object
# versioning keeps every earlier state, so a bad write can be rolled back
# (https://developer.hashicorp.com/terraform/language/backend/gcs).
resource "google_storage_bucket" "this" {
  project                     = var.project_id
  name                        = var.bucket_name
  location                    = var.location
  force_destroy               = false
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  versioning {
    enabled = true
  }

  encryption {
    default_kms_key_name = google_kms_crypto_key.this.id
  }

  soft_delete_policy {
    retention_duration_seconds = 30 * 86400
  }

  lifecycle_rule {
    action {
      type = "Delete"
    }

    condition {
      num_newer_versions = 50
      with_state         = "ARCHIVED"
    }
  }

  depends_on = [time_sleep.grant_propagation]
}

# Whoever runs Terraform for an environment (its CI service account) needs the state objects, also
# from another project: object admin on this bucket only.
resource "google_storage_bucket_iam_member" "writers" {
  for_each = toset(var.writer_members)

  bucket = google_storage_bucket.this.name
  role   = "roles/storage.objectAdmin"
  member = each.value
}
