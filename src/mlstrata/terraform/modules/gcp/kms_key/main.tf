resource "google_kms_key_ring" "this" {
  project  = var.project_id
  name     = var.name
  location = var.location
}

# lifecycle.prevent_destroy cannot take a variable (https://github.com/hashicorp/terraform/issues/22544):
# a protected key and a disposable one are two resources and exactly one exists. Keep their arguments
# identical. `protect` is fixed when the key is created: Cloud KMS reserves key names forever, so a
# switch is a `terraform state mv` between the two addresses, never a replacement.
resource "google_kms_crypto_key" "protected" {
  count = var.protect ? 1 : 0

  name            = var.name
  key_ring        = google_kms_key_ring.this.id
  purpose         = "ENCRYPT_DECRYPT"
  rotation_period = var.rotation_period
  labels          = var.labels

  # Key material cannot be deleted at once in Cloud KMS: destroying this resource schedules every
  # version for destruction after this many days (the key ring and key names stay taken forever).
  destroy_scheduled_duration = "${var.destroy_scheduled_days * 86400}s"

  version_template {
    algorithm        = "GOOGLE_SYMMETRIC_ENCRYPTION"
    protection_level = "SOFTWARE"
  }

  lifecycle {
    prevent_destroy = true
  }
}

resource "google_kms_crypto_key" "this" {
  count = var.protect ? 0 : 1

  name            = var.name
  key_ring        = google_kms_key_ring.this.id
  purpose         = "ENCRYPT_DECRYPT"
  rotation_period = var.rotation_period
  labels          = var.labels

  # Key material cannot be deleted at once in Cloud KMS: destroying this resource schedules every
  # version for destruction after this many days (the key ring and key names stay taken forever).
  destroy_scheduled_duration = "${var.destroy_scheduled_days * 86400}s"

  version_template {
    algorithm        = "GOOGLE_SYMMETRIC_ENCRYPTION"
    protection_level = "SOFTWARE"
  }
}

locals {
  key_id = one(concat(google_kms_crypto_key.protected[*].id, google_kms_crypto_key.this[*].id))
}

# Service agents (Cloud Storage, GKE, Compute Engine, ...) encrypt with the key on behalf of their
# service. A bucket whose agent lacks this role fails to create
# (https://cloud.google.com/storage/docs/encryption/using-customer-managed-keys#prereqs).
resource "google_kms_crypto_key_iam_member" "this" {
  for_each = var.encrypter_members

  crypto_key_id = local.key_id
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = each.value
}

# IAM changes take effect within about two minutes, at times seven or more
# (https://cloud.google.com/iam/docs/access-change-propagation), and a service that checks the key at create time
# refuses until then: a CMEK bucket with "Permission denied on Cloud KMS key. Please ensure that your Cloud Storage
# service account has been authorized to use this key" (hashicorp/terraform-provider-google#10310), Memorystore
# with "Unable to delegate the access of CMEK" (hashicorp/terraform-provider-google#17333). The grant's own
# completion is no signal that it is effective, so key_id is handed out only after a wait, which runs again
# whenever the set of agents changes.
resource "time_sleep" "grant_propagation" {
  create_duration = var.grant_propagation_wait
  triggers        = var.encrypter_members

  depends_on = [google_kms_crypto_key_iam_member.this]
}
