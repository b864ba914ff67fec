output "node_pool_name" {
  description = "Node pool name."
  value       = google_container_node_pool.this.name
}

output "node_pool_id" {
  description = "Node pool id."
  value       = google_container_node_pool.this.id
}

output "node_pool_gpus_per_node" {
  description = "GPUs on each node."
  value       = var.accelerator_count
}
