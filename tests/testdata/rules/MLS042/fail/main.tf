resource "google_container_node_pool" "batch" {
  name    = "batch"
  cluster = "ml"

  node_config { # MLS042
    machine_type = "e2-standard-8"
    spot         = true
  }
}

resource "google_container_node_pool" "old" {
  name    = "old"
  cluster = "ml"

  node_config { # MLS042
    machine_type = "e2-standard-8"
    preemptible  = true

    taint {
      key    = "team"
      value  = "a"
      effect = "PREFER_NO_SCHEDULE"
    }
  }
}
