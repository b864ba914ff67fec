output "metadata_store_connection_name" {
  description = "Instance connection name (project:region:instance) for the Cloud SQL Auth Proxy."
  value       = google_sql_database_instance.this.connection_name
}

output "metadata_store_instance_name" {
  description = "Instance name."
  value       = google_sql_database_instance.this.name
}

output "metadata_store_private_ip" {
  description = "Private IP of the instance."
  value       = google_sql_database_instance.this.private_ip_address
}

output "metadata_store_database" {
  description = "Database name."
  value       = google_sql_database.this.name
}

output "metadata_store_user" {
  description = "Database user (the password is in the secret, never here)."
  value       = google_sql_user.this.name
}

output "metadata_store_password_secret_id" {
  description = "Secret Manager secret holding the password."
  value       = google_secret_manager_secret.this.id
}
