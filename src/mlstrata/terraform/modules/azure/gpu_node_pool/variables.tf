variable "cluster_id" {
  description = "AKS cluster the pool belongs to."
  type        = string
}

variable "name" {
  description = "Node pool name: lower-case letters and digits, starting with a letter, at most 12 characters (Linux pools)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{0,11}$", var.name))
    error_message = "name must be 1-12 lower-case letters and digits, starting with a letter."
  }
}

variable "temporary_name_for_rotation" {
  description = "Name of the temporary pool a vm_size (or other fixed property) change rotates through."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{0,11}$", var.temporary_name_for_rotation))
    error_message = "temporary_name_for_rotation must be 1-12 lower-case letters and digits, starting with a letter."
  }
}

variable "vm_size" {
  description = "GPU VM size, e.g. Standard_NC24ads_A100_v4, Standard_NC40ads_H100_v5, Standard_ND96isr_H100_v5."
  type        = string
}

variable "subnet_id" {
  description = "Node subnet (the cluster's)."
  type        = string
}

variable "zones" {
  description = "Availability zones of the pool, e.g. [\"1\", \"2\"]; [] lets Azure choose."
  type        = list(string)
  default     = []
}

variable "os_sku" {
  description = "Node OS: Ubuntu or AzureLinux (both get the NVIDIA driver with gpu_driver = \"Install\")."
  type        = string
  default     = "Ubuntu"

  validation {
    condition     = contains(["Ubuntu", "AzureLinux", "Ubuntu2204", "Ubuntu2404"], var.os_sku)
    error_message = "os_sku must be Ubuntu, Ubuntu2204, Ubuntu2404 or AzureLinux."
  }
}

variable "os_disk_size_gb" {
  description = "OS disk size in GB (images and model weights are pulled onto it)."
  type        = number
  default     = 200
}

variable "min_count" {
  description = "Minimum nodes (0 lets the pool scale to zero)."
  type        = number

  validation {
    condition     = var.min_count >= 0
    error_message = "min_count must be 0 or more."
  }
}

variable "max_count" {
  description = "Maximum nodes: the pool's cost ceiling."
  type        = number

  validation {
    condition     = var.max_count >= 1
    error_message = "max_count must be at least 1."
  }
}

variable "node_count" {
  description = "Node count Terraform asks for; with node_count_owner = \"autoscaler\" only the initial count."
  type        = number

  validation {
    condition     = floor(var.node_count) == var.node_count && var.node_count >= var.min_count && var.node_count <= var.max_count
    error_message = "node_count must be a whole number between min_count and max_count."
  }
}

variable "node_count_owner" {
  description = "Who owns the node count after creation: \"terraform\" (resets it every apply) or \"autoscaler\" (ignored after creation)."
  type        = string

  validation {
    condition     = contains(["terraform", "autoscaler"], var.node_count_owner)
    error_message = "node_count_owner must be \"terraform\" or \"autoscaler\"."
  }
}

variable "taints" {
  description = "Kubernetes taints ({key, value, effect}); the GPU taint keeps other pods off."
  type = list(object({
    key    = string
    value  = string
    effect = string
  }))

  validation {
    condition     = alltrue([for t in var.taints : contains(["NoSchedule", "PreferNoSchedule", "NoExecute"], t.effect)])
    error_message = "taint effect must be NoSchedule, PreferNoSchedule or NoExecute."
  }
}

variable "labels" {
  description = "Kubernetes node labels."
  type        = map(string)
  default     = {}
}

variable "priority" {
  description = "\"Regular\" or \"Spot\" (evictable, priced as Spot)."
  type        = string
  default     = "Regular"

  validation {
    condition     = contains(["Regular", "Spot"], var.priority)
    error_message = "priority must be Regular or Spot."
  }
}

variable "spot_max_price" {
  description = "Highest hourly price (USD) paid for a Spot node; -1 pays up to the on-demand price."
  type        = number
  default     = -1
}

variable "gpu_driver" {
  description = "\"Install\" (AKS installs the NVIDIA driver) or \"None\" (the GPU Operator installs it). Changing it recreates the pool."
  type        = string
  default     = "Install"

  validation {
    condition     = contains(["Install", "None"], var.gpu_driver)
    error_message = "gpu_driver must be Install or None."
  }
}

variable "gpu_instance" {
  description = "MIG profile for A100/H100 sizes (MIG1g, MIG2g, MIG3g, MIG4g, MIG7g); null for whole GPUs."
  type        = string
  default     = null

  validation {
    condition     = var.gpu_instance == null || contains(["MIG1g", "MIG2g", "MIG3g", "MIG4g", "MIG7g"], coalesce(var.gpu_instance, "-"))
    error_message = "gpu_instance must be MIG1g, MIG2g, MIG3g, MIG4g or MIG7g."
  }
}

variable "capacity_reservation_group_id" {
  description = "On-demand capacity reservation group the pool's VMs draw from (guaranteed GPU capacity)."
  type        = string
  default     = null
}

variable "host_encryption" {
  description = "Encryption at host (temp disks and OS disk caches encrypted on the VM host); needs the Microsoft.Compute/EncryptionAtHost feature registered on the subscription and a VM size that supports it in the region. Changing it recreates the pool."
  type        = bool
  default     = true
}

variable "max_surge_percentage" {
  description = "Extra nodes (percent of the pool) created during an upgrade."
  type        = number
  default     = 33
}

variable "tags" {
  description = "Tags on the node pool."
  type        = map(string)
  default     = {}
}
