output "bucket_id" {
  description = "Name (ID) of the log bucket; pass it as access_log_bucket to other bucket modules."
  value       = module.bucket.bucket_id
}

output "bucket_arn" {
  description = "ARN of the log bucket."
  value       = module.bucket.bucket_arn
}
