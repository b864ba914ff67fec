output "cluster_id" {
  description = "Cluster id (projects/.../locations/.../clusters/...)."
  value       = google_container_cluster.this.id
}

output "cluster_name" {
  description = "Cluster name."
  value       = google_container_cluster.this.name
}

output "cluster_location" {
  description = "Region (regional cluster) or zone (zonal cluster)."
  value       = google_container_cluster.this.location
}

output "cluster_dns_endpoint" {
  description = "IAM-guarded DNS endpoint of the control plane (reachable without a route into the VPC)."
  value       = google_container_cluster.this.control_plane_endpoints_config[0].dns_endpoint_config[0].endpoint
}

output "node_locations" {
  description = "Zones of the system pool (and default zones of GPU pools)."
  value       = local.node_locations
}

output "node_service_account_email" {
  description = "Service account of the nodes."
  value       = google_service_account.nodes.email
}

output "workload_pool" {
  description = "Workload Identity pool (<project>.svc.id.goog); known once the cluster exists."
  # Read from the cluster, not built from the project id: the pool exists only once a cluster with Workload
  # Identity does, and a roles/iam.workloadIdentityUser binding on it made earlier fails with "Identity Pool
  # does not exist" (https://github.com/terraform-google-modules/terraform-google-kubernetes-engine/issues/916).
  value = google_container_cluster.this.workload_identity_config[0].workload_pool
}

output "system_pool_name" {
  description = "Name of the untainted system node pool."
  value       = google_container_node_pool.system.name
}
