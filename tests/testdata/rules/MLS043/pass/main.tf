resource "google_container_node_pool" "auto" {
  name               = "auto"
  cluster            = "ml"
  node_count         = var.owner == "terraform" ? 2 : null
  initial_node_count = 0

  dynamic "autoscaling" {
    for_each = var.owner == "autoscaler" ? [1] : []

    content {
      total_min_node_count = 0
      total_max_node_count = 4
      location_policy      = "ANY"
    }
  }
}

resource "google_container_node_pool" "fixed" {
  name       = "fixed"
  cluster    = "ml"
  node_count = 3
}

variable "owner" {
  description = "Who owns the node count."
  type        = string
  default     = "autoscaler"
}
