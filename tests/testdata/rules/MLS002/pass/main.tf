resource "aws_eks_node_group" "gpu" {
  cluster_name    = "ml"
  node_group_name = "gpu"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]
  instance_types  = ["p5.48xlarge"]

  scaling_config {
    min_size     = 0
    max_size     = 4
    desired_size = 0
  }
}

resource "google_container_node_pool" "gpu" {
  name    = "gpu"
  cluster = "ml"

  autoscaling {
    total_min_node_count = 0
    total_max_node_count = 4
  }

  node_config {
    machine_type = "g2-standard-8"
  }
}

variable "autoscaled" {
  description = "Whether the cluster autoscaler owns the pool's size."
  type        = bool
  default     = true
}

resource "google_container_node_pool" "dynamic_gpu" {
  name    = "dynamic-gpu"
  cluster = "ml"

  dynamic "autoscaling" {
    for_each = var.autoscaled ? [1] : []

    content {
      total_min_node_count = 0
      total_max_node_count = 4
    }
  }

  node_config {
    machine_type = "g2-standard-8"
    taint {
      key    = "nvidia.com/gpu"
      value  = "present"
      effect = "NO_SCHEDULE"
    }
  }
}
