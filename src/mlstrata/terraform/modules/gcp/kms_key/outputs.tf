output "key_id" {
  description = "Full resource id of the key (projects/.../cryptoKeys/...); available only once the service agents may use it."
  value       = local.key_id
  # Anything encrypted with the key must wait for the grants to take effect, or its creation fails on first apply.
  depends_on = [time_sleep.grant_propagation]
}

output "key_ring_id" {
  description = "Full resource id of the key ring."
  value       = google_kms_key_ring.this.id
}
