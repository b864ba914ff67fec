output "node_pool_name" {
  description = "Node pool name."
  value       = google_container_node_pool.this.name
}

output "node_pool_id" {
  description = "Node pool id."
  value       = google_container_node_pool.this.id
}
