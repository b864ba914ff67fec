# GKE pools within the dev ceiling of 2 GPU nodes: per-zone counts times the zones, totals as they are.
resource "google_container_node_pool" "fixed_two_zones" {
  cluster        = "projects/p/locations/us-central1/clusters/ml"
  location       = "us-central1"
  node_locations = ["us-central1-a", "us-central1-b"]
  node_count     = 1

  node_config {
    machine_type = "g2-standard-8"
  }
}

resource "google_container_node_pool" "total_max" {
  cluster        = "projects/p/locations/us-central1/clusters/ml"
  location       = "us-central1"
  node_locations = ["us-central1-a", "us-central1-b", "us-central1-c"]

  autoscaling {
    total_min_node_count = 0
    total_max_node_count = 2
  }

  node_config {
    machine_type = "a2-highgpu-1g"
  }
}

variable "autoscaled" {
  description = "Whether the cluster autoscaler owns the pool's size."
  type        = bool
  default     = false
}

# Terraform owns the size (the dynamic autoscaling block expands to nothing): 1 per zone in 2 zones.
resource "google_container_node_pool" "terraform_owned" {
  cluster        = "projects/p/locations/us-central1/clusters/ml"
  location       = "us-central1"
  node_locations = ["us-central1-a", "us-central1-b"]
  node_count     = var.autoscaled ? null : 1

  dynamic "autoscaling" {
    for_each = var.autoscaled ? [1] : []

    content {
      total_min_node_count = 0
      total_max_node_count = 8
    }
  }

  node_config {
    machine_type = "g2-standard-8"
  }
}

# A CPU pool above the ceiling: the ceiling is for GPU pools only.
resource "google_container_node_pool" "cpu" {
  cluster        = "projects/p/locations/us-central1/clusters/ml"
  location       = "us-central1"
  node_locations = ["us-central1-a", "us-central1-b", "us-central1-c"]
  node_count     = 4

  node_config {
    machine_type = "e2-standard-8"
  }
}
