resource "random_password" "db" {
  length = 32
}

output "db_password" {
  value     = random_password.db.result
  sensitive = true
}

output "db_secret_arn" {
  description = "Where the password lives; the ARN itself is not secret."
  value       = aws_secretsmanager_secret.db.arn
}

output "endpoint" {
  value = aws_db_instance.metadata.endpoint
}
