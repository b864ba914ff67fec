resource "google_container_node_pool" "a100" {
  name    = "a100"
  cluster = "ml"

  node_config {
    machine_type = "a2-highgpu-1g"

    taint {
      key    = "nvidia.com/gpu"
      value  = "present"
      effect = "NO_SCHEDULE"
    }
  }
}

resource "google_container_node_pool" "cpu" {
  name    = "cpu"
  cluster = "ml"

  node_config {
    machine_type = "n2-standard-8"
  }
}
