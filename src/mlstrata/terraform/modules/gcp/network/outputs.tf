output "network_id" {
  description = "VPC id (projects/.../global/networks/...)."
  value       = google_compute_network.this.id
}

output "network_self_link" {
  description = "VPC self link."
  value       = google_compute_network.this.self_link
}

output "subnet_id" {
  description = "Node subnet id."
  value       = google_compute_subnetwork.nodes.id
}

output "pods_range_name" {
  description = "Secondary range name for pods."
  value       = "pods"
}

output "services_range_name" {
  description = "Secondary range name for services."
  value       = "services"
}

output "zones" {
  description = "Zones the platform uses, from the API (never hard-coded letters)."
  value       = local.zones
}

output "private_services_network_id" {
  description = "VPC id, available only once the private services access peering exists: Cloud SQL private IP instances use this one."
  value       = google_compute_network.this.id
  depends_on  = [google_service_networking_connection.this]
}
