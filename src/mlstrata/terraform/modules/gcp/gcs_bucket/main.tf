resource "google_storage_bucket" "this" {
  project  = var.project_id
  name     = var.name
  location = var.location
  labels   = var.labels
  # A protected bucket is never emptied by Terraform: destroy fails while objects remain.
  force_destroy = !var.protect

  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  versioning {
    enabled = var.versioning
  }

  dynamic "encryption" {
    for_each = var.kms_key_id == null ? [] : [1]

    content {
      default_kms_key_name = var.kms_key_id
    }
  }

  # Deleted objects stay restorable for this long (soft delete, on by default at 7 days).
  soft_delete_policy {
    retention_duration_seconds = var.soft_delete_days * 86400
  }

  dynamic "logging" {
    for_each = var.log_bucket == null ? [] : [1]

    content {
      log_bucket        = var.log_bucket
      log_object_prefix = var.name
    }
  }

  dynamic "lifecycle_rule" {
    for_each = var.retention_days == null ? [] : [1]

    content {
      action {
        type = "Delete"
      }

      condition {
        age        = var.retention_days
        with_state = "LIVE"
      }
    }
  }

  dynamic "lifecycle_rule" {
    for_each = var.versioning ? [1] : []

    content {
      action {
        type = "Delete"
      }

      condition {
        days_since_noncurrent_time = var.noncurrent_retention_days
        with_state                 = "ARCHIVED"
      }
    }
  }
}

resource "google_storage_bucket_iam_member" "readers" {
  for_each = var.reader_members

  bucket = google_storage_bucket.this.name
  role   = "roles/storage.objectViewer"
  member = each.value
}

# objectUser: read, create, overwrite and delete objects; no bucket or IAM administration.
resource "google_storage_bucket_iam_member" "writers" {
  for_each = var.writer_members

  bucket = google_storage_bucket.this.name
  role   = "roles/storage.objectUser"
  member = each.value
}
