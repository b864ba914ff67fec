variable "name" {
  description = "Pool name."
  type        = string
}

variable "min" {
  description = "Fewest GPUs the pool needs on this host."
  type        = number
}

variable "max" {
  description = "Most GPUs the pool may use."
  type        = number
}

variable "desired" {
  description = "GPUs wanted now."
  type        = number
}

variable "instance_types" {
  description = "Cloud instance types this pool stands in for (used for cost and parity)."
  type        = list(string)
}

variable "labels" {
  description = "Node labels."
  type        = map(string)
  default     = {}
}

variable "taints" {
  description = "Taints as \"key=value:Effect\"."
  type        = list(string)
  default     = []
}

variable "capacity" {
  description = "ON_DEMAND or SPOT."
  type        = string
  default     = "ON_DEMAND"
}
