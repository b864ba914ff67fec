output "bucket_id" {
  description = "Name (ID) of the log bucket; pass it as access_log_bucket to other bucket modules."
  # .bucket echoes the configured name, so it is known at plan time (.id is not), which lets callers use
  # it in count/for_each, e.g. access_log_bucket of another bucket module.
  value = aws_s3_bucket.access_logs.bucket
}

output "bucket_arn" {
  description = "ARN of the log bucket."
  value       = aws_s3_bucket.access_logs.arn
}
