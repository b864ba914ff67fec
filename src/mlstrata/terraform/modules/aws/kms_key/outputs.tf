output "key_arn" {
  description = "ARN of the KMS key."
  value       = aws_kms_key.this.arn
}

output "key_id" {
  description = "ID of the KMS key."
  value       = aws_kms_key.this.key_id
}

output "key_alias_name" {
  description = "Alias of the key, including the \"alias/\" prefix."
  value       = aws_kms_alias.this.name
}

output "key_alias_arn" {
  description = "ARN of the key's alias (known before the key exists, so it can be rendered into backend settings)."
  value       = aws_kms_alias.this.arn
}
