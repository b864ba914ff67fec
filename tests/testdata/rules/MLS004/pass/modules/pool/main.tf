variable "taints" {
  description = "Taints of the pool."
  type        = list(object({ key = string, value = string, effect = string }))
}

resource "aws_eks_node_group" "this" {
  cluster_name    = "ml"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]
  node_group_name = "gpu-pool"
  instance_types  = ["p5.48xlarge"]

  dynamic "taint" {
    for_each = var.taints
    content {
      key    = taint.value.key
      value  = taint.value.value
      effect = taint.value.effect
    }
  }
}
