output "bucket_name" {
  description = "Bucket name."
  value       = mlstrata_artifact_bucket.this.name
}

output "bucket_path" {
  description = "Folder holding the bucket's objects."
  value       = mlstrata_artifact_bucket.this.path
}

output "bucket_uri" {
  description = "file:// URI of the bucket."
  value       = mlstrata_artifact_bucket.this.uri
}
