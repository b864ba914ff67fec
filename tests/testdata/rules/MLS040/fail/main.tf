resource "google_container_node_pool" "t4" {
  name    = "t4"
  cluster = "ml"

  node_config {
    machine_type = "n1-standard-8"

    guest_accelerator { # MLS040
      type  = "nvidia-tesla-t4"
      count = 1
    }

    taint {
      key    = "nvidia.com/gpu"
      value  = "present"
      effect = "NO_SCHEDULE"
    }
  }
}

resource "google_container_node_pool" "l4" {
  name    = "l4"
  cluster = "ml"

  node_config {
    machine_type = "g2-standard-8"

    guest_accelerator { # MLS040
      type  = "nvidia-l4"
      count = 1

      gpu_driver_installation_config {
        gpu_driver_version = "INSTALLATION_DISABLED"
      }
    }

    taint {
      key    = "nvidia.com/gpu"
      value  = "present"
      effect = "NO_SCHEDULE"
    }
  }
}

resource "google_container_node_pool" "h100" {
  name    = "h100"
  cluster = "ml"

  node_config { # MLS040
    machine_type = "a3-highgpu-8g"
  }
}
