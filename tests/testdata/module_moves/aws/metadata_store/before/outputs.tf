output "metadata_store_endpoint" {
  description = "Host name of the DB instance (without port)."
  value       = aws_db_instance.this.address
}

output "metadata_store_port" {
  description = "Port of the DB instance."
  value       = aws_db_instance.this.port
}

output "metadata_store_db_name" {
  description = "Name of the database."
  value       = aws_db_instance.this.db_name
}

output "metadata_store_master_user_secret_arn" {
  description = "ARN of the Secrets Manager secret holding the master credentials (managed and rotated by RDS)."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

output "metadata_store_security_group_id" {
  description = "ID of the database security group."
  value       = aws_security_group.this.id
}

output "metadata_store_arn" {
  description = "ARN of the DB instance."
  value       = aws_db_instance.this.arn
}
