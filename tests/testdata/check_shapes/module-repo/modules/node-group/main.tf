variable "cluster_name" {
  description = "The cluster the group joins."
  type        = string
}

variable "name" {
  description = "The group's name."
  type        = string
}

variable "instance_types" {
  description = "EC2 instance types."
  type        = list(string)
}

variable "ami_type" {
  description = "EKS AMI type."
  type        = string
}

variable "max_size" {
  description = "Most nodes."
  type        = number
  default     = 3
}

variable "labels" {
  description = "Kubernetes labels."
  type        = map(string)
  default     = {}
}

variable "taints" {
  description = "Kubernetes taints, by key."
  type        = map(any)
  default     = {}
}

variable "tags" {
  description = "Tags."
  type        = map(string)
  default     = {}
}

resource "aws_eks_node_group" "this" {
  cluster_name    = var.cluster_name
  node_group_name = var.name
  node_role_arn   = "arn:aws:iam::111111111111:role/${var.name}-nodes"
  subnet_ids      = ["subnet-1", "subnet-2"]
  instance_types  = var.instance_types
  ami_type        = var.ami_type
  labels          = var.labels

  scaling_config {
    min_size     = 0
    max_size     = var.max_size
    desired_size = 1
  }

  dynamic "taint" {
    for_each = var.taints
    content {
      key    = taint.value.key
      value  = try(taint.value.value, null)
      effect = taint.value.effect
    }
  }

  tags = var.tags
}

output "arn" {
  description = "The group's ARN."
  value       = aws_eks_node_group.this.arn
}
