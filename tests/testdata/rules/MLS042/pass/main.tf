resource "google_container_node_pool" "batch" {
  name    = "batch"
  cluster = "ml"

  node_config {
    machine_type = "e2-standard-8"
    spot         = true

    taint {
      key    = "cloud.google.com/gke-spot"
      value  = "true"
      effect = "NO_SCHEDULE"
    }
  }
}

resource "google_container_node_pool" "steady" {
  name    = "steady"
  cluster = "ml"

  node_config {
    machine_type = "e2-standard-8"
  }
}
