output "metadata_store_uri" {
  description = "Connection URI of the metadata database (never carries a password)."
  value       = mlstrata_metadata_store.this.uri
}
