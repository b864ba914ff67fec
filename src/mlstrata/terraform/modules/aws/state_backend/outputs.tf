output "state_bucket_name" {
  description = "Name of the state bucket (backend \"s3\" bucket)."
  value       = module.bucket.bucket_id
}

output "state_bucket_arn" {
  description = "ARN of the state bucket."
  value       = module.bucket.bucket_arn
}

output "state_kms_key_arn" {
  description = "ARN of the KMS key encrypting state objects (backend \"s3\" kms_key_id)."
  value       = module.key.key_arn
}

output "state_kms_alias_arn" {
  description = "ARN of the key's alias; the backends' kms_key_id (known before the key exists, so it can be rendered)."
  value       = module.key.key_alias_arn
}
