resource "google_container_node_pool" "mixed" {
  name    = "mixed"
  cluster = "ml"

  autoscaling { # MLS043
    min_node_count       = 0
    total_max_node_count = 4
  }
}

resource "google_container_node_pool" "inverted" {
  name    = "inverted"
  cluster = "ml"

  autoscaling {
    total_min_node_count = 5 # MLS043
    total_max_node_count = 2
  }
}

resource "google_container_node_pool" "fought" {
  name       = "fought"
  cluster    = "ml"
  node_count = 2 # MLS043

  autoscaling {
    total_min_node_count = 0
    total_max_node_count = 4
  }
}
