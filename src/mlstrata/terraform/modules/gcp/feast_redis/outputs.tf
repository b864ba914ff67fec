output "redis_host" {
  description = "Private IP of the instance's primary endpoint."
  value       = google_redis_instance.this.host
}

output "redis_port" {
  description = "Port of the primary endpoint (TLS)."
  value       = google_redis_instance.this.port
}

output "redis_instance_id" {
  description = "Instance id; the AUTH string is read with `gcloud redis instances get-auth-string`, never from outputs."
  value       = google_redis_instance.this.id
}
