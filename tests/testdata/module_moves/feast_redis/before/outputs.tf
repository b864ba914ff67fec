output "redis_primary_endpoint" {
  description = "Primary endpoint address (TLS on 6379)."
  value       = aws_elasticache_replication_group.this.primary_endpoint_address
}

output "redis_replication_group_arn" {
  description = "ARN of the replication group (elasticache:Connect resource)."
  value       = aws_elasticache_replication_group.this.arn
}

output "redis_user_arn" {
  description = "ARN of the IAM-authenticated Feast user (elasticache:Connect resource)."
  value       = aws_elasticache_user.feast.arn
}

output "redis_user_name" {
  description = "User name Feast connects as (IAM authentication token, no password)."
  value       = aws_elasticache_user.feast.user_name
}
