output "bucket_id" {
  description = "Name (ID) of the bucket."
  # .bucket echoes the configured name, so it is known at plan time (.id is not), which lets callers use
  # it in count/for_each, e.g. access_log_bucket of another bucket module.
  value = aws_s3_bucket.this.bucket
}

output "bucket_arn" {
  description = "ARN of the bucket."
  value       = aws_s3_bucket.this.arn
}

output "bucket_regional_domain_name" {
  description = "Region-specific domain name of the bucket."
  value       = aws_s3_bucket.this.bucket_regional_domain_name
}
