variable "taints" {
  type = list(object({ key = string, value = string, effect = string }))
}

resource "aws_eks_node_group" "this" {
  cluster_name    = "ml"
  node_group_name = "pool"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]

  scaling_config {
    min_size     = 1
    max_size     = 2
    desired_size = 1
  }

  dynamic "taint" {
    for_each = var.taints
    content {
      key    = taint.value.key
      value  = taint.value.value
      effect = taint.value.effect
    }
  }
}
