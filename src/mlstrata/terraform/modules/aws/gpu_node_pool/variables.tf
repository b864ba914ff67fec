variable "cluster_name" {
  description = "Name of the EKS cluster the pool joins."
  type        = string

  validation {
    condition     = length(var.cluster_name) > 0 && length(var.cluster_name) <= 100
    error_message = "cluster_name must be 1 to 100 characters."
  }
}

variable "name" {
  description = "Name of the node group, unique within the cluster (e.g. \"gpu-a100\")."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9_-]{0,62}$", var.name))
    error_message = "name must start with a letter or digit and hold only letters, digits, hyphens and underscores (max 63)."
  }
}

variable "subnet_ids" {
  description = "Private subnet IDs for the nodes. For CAPACITY_BLOCK, only the subnet in the reservation's availability zone."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) > 0 && alltrue([for s in var.subnet_ids : startswith(s, "subnet-")])
    error_message = "subnet_ids must hold at least one subnet ID (subnet-...)."
  }
}

variable "instance_types" {
  description = "GPU instance types, e.g. [\"g6e.xlarge\"]. Exactly one for CAPACITY_BLOCK (the reserved type)."
  type        = list(string)

  validation {
    condition     = length(var.instance_types) > 0
    error_message = "instance_types must not be empty."
  }

  validation {
    condition     = var.capacity_type != "CAPACITY_BLOCK" || length(var.instance_types) == 1
    error_message = "CAPACITY_BLOCK pools take exactly one instance type: the type of the reserved capacity block."
  }
}

variable "capacity_type" {
  description = "Purchase option: ON_DEMAND, SPOT or CAPACITY_BLOCK (EC2 Capacity Blocks for ML)."
  type        = string

  validation {
    condition     = contains(["ON_DEMAND", "SPOT", "CAPACITY_BLOCK"], var.capacity_type)
    error_message = "capacity_type must be ON_DEMAND, SPOT or CAPACITY_BLOCK."
  }
}

variable "capacity_reservation_id" {
  description = "ID of the capacity block reservation (cr-...); required when capacity_type is CAPACITY_BLOCK, otherwise null."
  type        = string
  default     = null

  validation {
    condition     = var.capacity_type != "CAPACITY_BLOCK" || (var.capacity_reservation_id != null && can(regex("^cr-[0-9a-f]+$", coalesce(var.capacity_reservation_id, "none"))))
    error_message = "capacity_reservation_id (cr-...) is required when capacity_type is CAPACITY_BLOCK."
  }

  validation {
    condition     = var.capacity_type == "CAPACITY_BLOCK" || var.capacity_reservation_id == null
    error_message = "capacity_reservation_id is only used with capacity_type CAPACITY_BLOCK; leave it null otherwise."
  }
}

variable "ami_type" {
  description = "EKS-optimized accelerated AMI family: AL2023_x86_64_NVIDIA, AL2023_ARM_64_NVIDIA, BOTTLEROCKET_x86_64_NVIDIA or BOTTLEROCKET_ARM_64_NVIDIA."
  type        = string

  validation {
    condition     = contains(["AL2023_x86_64_NVIDIA", "AL2023_ARM_64_NVIDIA", "BOTTLEROCKET_x86_64_NVIDIA", "BOTTLEROCKET_ARM_64_NVIDIA"], var.ami_type)
    error_message = "ami_type must be AL2023_x86_64_NVIDIA, AL2023_ARM_64_NVIDIA, BOTTLEROCKET_x86_64_NVIDIA or BOTTLEROCKET_ARM_64_NVIDIA. AL2_x86_64_GPU is deprecated: EKS stopped publishing Amazon Linux 2 AMIs on 2025-11-26 (https://github.com/awslabs/amazon-eks-ami/issues/2545)."
  }
}

variable "min_size" {
  description = "Minimum number of nodes."
  type        = number

  validation {
    condition     = var.min_size >= 0 && floor(var.min_size) == var.min_size
    error_message = "min_size must be a whole number >= 0."
  }
}

variable "max_size" {
  description = "Maximum number of nodes."
  type        = number

  validation {
    condition     = var.max_size >= 1 && floor(var.max_size) == var.max_size && var.max_size >= var.min_size
    error_message = "max_size must be a whole number >= 1 and >= min_size."
  }
}

variable "desired_size" {
  description = "Number of nodes Terraform asks for; with desired_size_owner = \"autoscaler\" only the size at creation (afterwards the current size is read back)."
  type        = number

  validation {
    condition     = floor(var.desired_size) == var.desired_size && var.desired_size >= var.min_size && var.desired_size <= var.max_size
    error_message = "desired_size must be a whole number between min_size and max_size."
  }
}

variable "desired_size_owner" {
  description = "Who owns the node count after creation: \"terraform\" (applies desired_size every time) or \"autoscaler\" (desired_size is ignored after creation)."
  type        = string

  validation {
    condition     = contains(["terraform", "autoscaler"], var.desired_size_owner)
    error_message = "desired_size_owner must be \"terraform\" or \"autoscaler\"."
  }
}

variable "labels" {
  description = "Kubernetes labels applied to the nodes."
  type        = map(string)
  default     = {}
}

variable "taints" {
  description = "Kubernetes taints applied to the nodes, e.g. [{ key = \"nvidia.com/gpu\", value = \"true\", effect = \"NO_SCHEDULE\" }]."
  type = list(object({
    key    = string
    value  = string
    effect = string
  }))
  default = []

  validation {
    condition     = alltrue([for t in var.taints : contains(["NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE"], t.effect)])
    error_message = "Each taint effect must be NO_SCHEDULE, NO_EXECUTE or PREFER_NO_SCHEDULE."
  }
}

variable "disk_size_gb" {
  description = "Size in GiB of the volume holding container images and pod data (root volume on AL2023, data volume on Bottlerocket)."
  type        = number
  default     = 200

  validation {
    condition     = var.disk_size_gb >= 20 && var.disk_size_gb <= 16384
    error_message = "disk_size_gb must be between 20 and 16384."
  }
}

variable "kms_key_arn" {
  description = "KMS key ARN for EBS encryption; the key policy must let the EC2 Auto Scaling service-linked role use the key and create grants."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "max_unavailable_percentage" {
  description = "Percentage of nodes that may be unavailable during a node group update."
  type        = number
  default     = 33

  validation {
    condition     = var.max_unavailable_percentage >= 1 && var.max_unavailable_percentage <= 100
    error_message = "max_unavailable_percentage must be between 1 and 100."
  }
}

variable "tags" {
  description = "Tags applied to every resource and, through the launch template, to instances, volumes and network interfaces."
  type        = map(string)
  default     = {}
}

variable "kubernetes_version" {
  description = "Kubernetes minor version of the nodes; pass the cluster's (eks_cluster output cluster_version) so nodes follow control-plane upgrades."
  type        = string

  validation {
    condition     = can(regex("^1\\.[0-9]{2}$", var.kubernetes_version))
    error_message = "kubernetes_version must be a minor version such as \"1.33\"."
  }
}

variable "efa" {
  description = "Attach an Elastic Fabric Adapter and place the nodes in a cluster placement group (p4d/p5 multi-node training)."
  type        = bool
  default     = false
}

variable "vpc_id" {
  description = "VPC of the nodes; needed for the EFA security group when efa is true."
  type        = string
  default     = null
}

variable "cluster_security_group_id" {
  description = "The cluster security group (eks_cluster output cluster_security_group_id); needed when efa is true because EKS does not add it to launch-template network interfaces."
  type        = string
  default     = null
}

variable "capacity_block_start" {
  description = "Start of the capacity block reservation (RFC 3339, UTC), e.g. \"2026-12-01T11:30:00Z\"; the node group scales to max_size then."
  type        = string
  default     = null

  validation {
    condition     = var.capacity_block_start == null || can(formatdate("YYYY", var.capacity_block_start))
    error_message = "capacity_block_start must be an RFC 3339 timestamp such as \"2026-12-01T11:30:00Z\"."
  }
}

variable "capacity_block_end" {
  description = "End of the capacity block reservation (RFC 3339, UTC); the node group scales to 0 an hour before."
  type        = string
  default     = null

  validation {
    condition     = var.capacity_block_end == null || can(formatdate("YYYY", var.capacity_block_end))
    error_message = "capacity_block_end must be an RFC 3339 timestamp such as \"2026-12-03T11:30:00Z\"."
  }
}
