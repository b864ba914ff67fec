resource "google_container_node_pool" "a100" {
  name    = "a100"
  cluster = "ml"

  node_config { # MLS009
    machine_type = "a2-highgpu-1g"
  }
}

resource "google_container_node_pool" "t4" {
  name    = "t4"
  cluster = "ml"

  node_config { # MLS009
    machine_type = "n1-standard-8"

    guest_accelerator {
      type  = "nvidia-tesla-t4"
      count = 1
    }
  }
}
