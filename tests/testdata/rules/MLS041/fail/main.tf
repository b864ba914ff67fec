resource "google_container_cluster" "this" { # MLS041
  name                     = "ml"
  location                 = "us-central1"
  remove_default_node_pool = true
  initial_node_count       = 1
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

resource "google_container_node_pool" "tpu" {
  name    = "tpu"
  cluster = google_container_cluster.this.id

  node_config {
    machine_type = "ct5lp-hightpu-4t"

    taint {
      key    = "google.com/tpu"
      value  = "present"
      effect = "NO_EXECUTE"
    }
  }
}
