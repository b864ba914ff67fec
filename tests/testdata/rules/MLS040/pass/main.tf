resource "google_container_node_pool" "l4" {
  name    = "l4"
  cluster = "ml"

  node_config {
    machine_type = "g2-standard-8"

    guest_accelerator {
      type  = "nvidia-l4"
      count = 1

      gpu_driver_installation_config {
        gpu_driver_version = "LATEST"
      }
    }
  }
}

resource "google_container_node_pool" "cpu" {
  name    = "cpu"
  cluster = "ml"

  node_config {
    machine_type = "e2-standard-4"
  }
}
