output "state_bucket_name" {
  description = "Bucket holding every unit's state."
  value       = google_storage_bucket.this.name
}

output "state_kms_key_id" {
  description = "Cloud KMS key encrypting the state objects."
  value       = google_kms_crypto_key.this.id
}
