resource "google_kms_key_ring" "this" {
  project  = var.project_id
  name     = var.name
  location = var.location
}

resource "google_kms_crypto_key" "this" {
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

# Service agents (Cloud Storage, GKE, Compute Engine, ...) encrypt with the key on behalf of their
# service. A bucket whose agent lacks this role fails to create
# (https://cloud.google.com/storage/docs/encryption/using-customer-managed-keys#prereqs).
resource "google_kms_crypto_key_iam_member" "this" {
  for_each = toset(var.encrypter_members)

  crypto_key_id = google_kms_crypto_key.this.id
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = each.value
}
