resource "google_container_cluster" "this" {
  name                     = "ml"
  location                 = "us-central1"
  remove_default_node_pool = true
  initial_node_count       = 1
}

resource "google_container_node_pool" "system" {
  name    = "system"
  cluster = google_container_cluster.this.id

  node_config {
    machine_type = "e2-standard-4"
  }
}

resource "google_container_node_pool" "gpu" {
  name    = "gpu"
  cluster = google_container_cluster.this.id

  node_config {
    machine_type = "g2-standard-8"

    taint {
      key    = "nvidia.com/gpu"
      value  = "present"
      effect = "NO_SCHEDULE"
    }
  }
}

# Pools defined elsewhere: nothing to judge.
resource "google_container_cluster" "other" {
  name                     = "other"
  location                 = "us-central1"
  remove_default_node_pool = true
  initial_node_count       = 1
}
