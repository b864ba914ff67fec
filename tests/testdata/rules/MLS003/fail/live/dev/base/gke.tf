# GKE: node_count and max_node_count are per zone (one instance group per zone), total_max_node_count is the
# whole pool; the ceiling of 2 GPU nodes bounds the whole pool.
resource "google_container_node_pool" "fixed_three_zones" {
  cluster        = "projects/p/locations/us-central1/clusters/ml"
  location       = "us-central1"
  node_locations = ["us-central1-a", "us-central1-b", "us-central1-c"]
  node_count     = 1 # MLS003

  node_config {
    machine_type = "g2-standard-8"
  }
}

resource "google_container_node_pool" "per_zone_max" {
  cluster        = "projects/p/locations/us-central1/clusters/ml"
  location       = "us-central1"
  node_locations = ["us-central1-a", "us-central1-b"]

  autoscaling {
    min_node_count = 0
    max_node_count = 2 # MLS003
  }

  node_config {
    machine_type = "n1-standard-8"

    guest_accelerator {
      type  = "nvidia-tesla-t4"
      count = 1
    }
  }
}

variable "autoscaled" {
  description = "Whether the cluster autoscaler owns the pool's size."
  type        = bool
  default     = true
}

resource "google_container_node_pool" "dynamic_total" {
  cluster  = "projects/p/locations/us-central1/clusters/ml"
  location = "us-central1"

  dynamic "autoscaling" {
    for_each = var.autoscaled ? [1] : []

    content {
      total_min_node_count = 0
      total_max_node_count = 4 # MLS003
    }
  }

  node_config {
    machine_type = "a2-highgpu-1g"
  }
}

# Without node_locations the pool takes the cluster's zones: at least one, so 3 per zone is over 2.
resource "google_container_node_pool" "fixed_cluster_zones" {
  cluster    = "projects/p/locations/us-central1/clusters/ml"
  location   = "us-central1"
  node_count = 3 # MLS003

  node_config {
    machine_type = "g2-standard-8"
  }
}
