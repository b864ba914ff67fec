variable "defaults" {
  description = "Values every item gets unless it sets its own."
  type        = any
  default     = {}
}

variable "items" {
  description = "One node group per entry."
  type        = any
  default     = {}
}

module "wrapper" {
  source   = "../../modules/node-group"
  for_each = var.items

  cluster_name   = try(each.value.cluster_name, var.defaults.cluster_name)
  name           = try(each.value.name, each.key)
  instance_types = try(each.value.instance_types, var.defaults.instance_types, ["m6i.large"])
  ami_type       = try(each.value.ami_type, var.defaults.ami_type, "AL2023_x86_64_STANDARD")
  max_size       = try(each.value.max_size, var.defaults.max_size, 3)
}

output "wrapper" {
  description = "Every node group."
  value       = module.wrapper
}
