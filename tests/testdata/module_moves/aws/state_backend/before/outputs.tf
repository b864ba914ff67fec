output "state_bucket_name" {
  description = "Name of the state bucket (backend \"s3\" bucket)."
  # .bucket echoes the configured name, so it is known at plan time (.id is not), which lets callers use
  # it in count/for_each, e.g. access_log_bucket of another bucket module.
  value = aws_s3_bucket.this.bucket
}

output "state_bucket_arn" {
  description = "ARN of the state bucket."
  value       = aws_s3_bucket.this.arn
}

output "state_kms_key_arn" {
  description = "ARN of the KMS key encrypting state objects (backend \"s3\" kms_key_id)."
  value       = aws_kms_key.this.arn
}

output "state_kms_alias_arn" {
  description = "ARN of the key's alias; the backends' kms_key_id (known before the key exists, so it can be rendered)."
  value       = aws_kms_alias.this.arn
}
