resource "aws_eks_node_group" "gpu" { # MLS002
  cluster_name    = "ml"
  node_group_name = "gpu"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]
  instance_types  = ["p5.48xlarge"]
}

resource "aws_eks_node_group" "gpu2" {
  cluster_name    = "ml"
  node_group_name = "gpu2"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]
  instance_types  = ["g6.xlarge"]

  scaling_config { # MLS002
    min_size     = 0
    desired_size = 0
  }
}

resource "google_container_node_pool" "gpu" {
  name    = "gpu"
  cluster = "ml"

  autoscaling { # MLS002
    min_node_count = 0
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

variable "autoscaled" {
  description = "Whether the cluster autoscaler owns the pool's size."
  type        = bool
  default     = true
}

resource "google_container_node_pool" "dynamic_gpu" {
  name    = "dynamic-gpu"
  cluster = "ml"

  dynamic "autoscaling" { # MLS002
    for_each = var.autoscaled ? [1] : []

    content {
      total_min_node_count = 0
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
