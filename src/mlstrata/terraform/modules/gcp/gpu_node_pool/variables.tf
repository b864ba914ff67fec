variable "project_id" {
  description = "Project of the cluster."
  type        = string
}

variable "cluster_id" {
  description = "Cluster id the pool joins."
  type        = string
}

variable "location" {
  description = "Cluster location (region or zone)."
  type        = string
}

variable "name" {
  description = "Node pool name, unique in the cluster."
  type        = string

  validation {
    condition     = can(regex("^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$", var.name))
    error_message = "name must be a lower-case name of at most 40 characters."
  }
}

variable "node_locations" {
  description = "Zones of the pool's nodes (GPU types are not offered in every zone)."
  type        = list(string)

  validation {
    condition     = length(var.node_locations) >= 1
    error_message = "node_locations must hold at least one zone."
  }
}

variable "zone_count" {
  description = "How many zones node_locations holds, as a number known when planning (a first apply reads the zones themselves only then); each is asked whether it offers machine_type."
  type        = number

  validation {
    condition     = var.zone_count >= 1
    error_message = "zone_count must be at least 1."
  }
}

variable "keep_all_zones" {
  description = "node_locations were chosen by hand: keep every one, and stop the plan if one does not offer machine_type, instead of leaving it out."
  type        = bool
  default     = false
}

variable "machine_type" {
  description = "Machine type: a2/a3/a4/g2 types carry their GPUs; n1 types take attached T4/V100/P4/P100."
  type        = string
}

variable "accelerator_type" {
  description = "GPU type, e.g. nvidia-h100-80gb; must match the machine type."
  type        = string

  validation {
    condition     = startswith(var.accelerator_type, "nvidia-")
    error_message = "accelerator_type must be an NVIDIA accelerator type (nvidia-...)."
  }
}

variable "accelerator_count" {
  description = "GPUs per node; for a2/a3/a4/g2 exactly the machine type's count."
  type        = number

  validation {
    condition     = var.accelerator_count >= 1
    error_message = "accelerator_count must be at least 1."
  }
}

variable "gpu_driver_version" {
  description = "Driver GKE installs: DEFAULT, LATEST or INSTALLATION_DISABLED (then a driver DaemonSet must install it)."
  type        = string
  default     = "LATEST"

  validation {
    condition     = contains(["DEFAULT", "LATEST", "INSTALLATION_DISABLED"], var.gpu_driver_version)
    error_message = "gpu_driver_version must be DEFAULT, LATEST or INSTALLATION_DISABLED."
  }
}

variable "gpu_sharing_strategy" {
  description = "TIME_SHARING or MPS to share a GPU between containers; null for exclusive GPUs."
  type        = string
  default     = null

  validation {
    condition     = var.gpu_sharing_strategy == null || contains(["TIME_SHARING", "MPS"], coalesce(var.gpu_sharing_strategy, "x"))
    error_message = "gpu_sharing_strategy must be TIME_SHARING, MPS or null."
  }
}

variable "max_shared_clients_per_gpu" {
  description = "Containers sharing one GPU when gpu_sharing_strategy is set."
  type        = number
  default     = null
}

variable "gpu_partition_size" {
  description = "Multi-instance GPU partition (e.g. 1g.10gb) on A100/H100; null for whole GPUs."
  type        = string
  default     = null
}

variable "spot" {
  description = "Spot VMs (preemptible at any time, much cheaper)."
  type        = bool
  default     = false
}

variable "flex_start" {
  description = "Flex-start VMs (Dynamic Workload Scheduler without ProvisioningRequests)."
  type        = bool
  default     = false
}

variable "reservation_affinity" {
  description = "ANY, SPECIFIC (reservation_name) or NO_RESERVATION (required by queued provisioning)."
  type        = string
  default     = "ANY"

  validation {
    condition     = contains(["ANY", "SPECIFIC", "NO_RESERVATION"], var.reservation_affinity)
    error_message = "reservation_affinity must be ANY, SPECIFIC or NO_RESERVATION."
  }

  validation {
    condition     = !var.queued_provisioning || var.reservation_affinity == "NO_RESERVATION"
    error_message = "queued_provisioning requires reservation_affinity = NO_RESERVATION (https://cloud.google.com/kubernetes-engine/docs/how-to/provisioningrequest)."
  }
}

variable "reservation_name" {
  description = "Reservation consumed when reservation_affinity is SPECIFIC."
  type        = string
  default     = null

  validation {
    condition     = (var.reservation_affinity == "SPECIFIC") == (var.reservation_name != null)
    error_message = "reservation_name is required with reservation_affinity SPECIFIC and only then."
  }
}

variable "queued_provisioning" {
  description = "Dynamic Workload Scheduler queued provisioning (nodes only via ProvisioningRequest)."
  type        = bool
  default     = false

  validation {
    condition     = !var.queued_provisioning || var.node_count_owner == "autoscaler"
    error_message = "queued_provisioning needs node_count_owner = \"autoscaler\": the autoscaler creates the nodes."
  }
}

variable "node_count_owner" {
  description = "\"terraform\": node_count_per_zone is applied on every run; \"autoscaler\": the cluster autoscaler owns the count."
  type        = string

  validation {
    condition     = contains(["terraform", "autoscaler"], var.node_count_owner)
    error_message = "node_count_owner must be \"terraform\" or \"autoscaler\"."
  }
}

variable "node_count_per_zone" {
  description = "Nodes per zone when Terraform owns the count."
  type        = number
  default     = null
}

variable "initial_node_count_per_zone" {
  description = "Nodes per zone at creation when the autoscaler owns the count."
  type        = number
  default     = 0
}

variable "total_min_node_count" {
  description = "Autoscaler minimum over all zones."
  type        = number
  default     = 0
}

variable "total_max_node_count" {
  description = "Autoscaler maximum over all zones: the pool's cost ceiling."
  type        = number
  default     = null

  validation {
    condition     = var.total_max_node_count == null || try(var.total_max_node_count >= var.total_min_node_count, false)
    error_message = "total_max_node_count must be >= total_min_node_count."
  }
}

variable "location_policy" {
  description = "BALANCED (spread over zones) or ANY (wherever capacity is; for spot and queued provisioning)."
  type        = string
  default     = "BALANCED"

  validation {
    condition     = contains(["BALANCED", "ANY"], var.location_policy)
    error_message = "location_policy must be BALANCED or ANY."
  }
}

variable "max_unavailable" {
  description = "Nodes upgraded at once (surge is 0: GPU quota rarely has room for extra nodes)."
  type        = number
  default     = 1
}

variable "labels" {
  description = "Kubernetes node labels."
  type        = map(string)
  default     = {}
}

variable "resource_labels" {
  description = "GCP labels on the node VMs (cost attribution)."
  type        = map(string)
  default     = {}
}

variable "taints" {
  description = "Kubernetes taints, e.g. [{ key = \"nvidia.com/gpu\", value = \"present\", effect = \"NO_SCHEDULE\" }]."
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
  description = "Boot disk size in GB (container images of ML frameworks are large)."
  type        = number
  default     = 200
}

variable "disk_type" {
  description = "Boot disk type. Machine series that boot only from Hyperdisk (A3 Ultra, A4, A4X, TPU v6e) need hyperdisk-balanced; a Persistent Disk type is refused for them. Changing it replaces the pool."
  type        = string
  default     = "pd-ssd"

  validation {
    condition     = contains(["pd-balanced", "pd-ssd", "hyperdisk-balanced"], var.disk_type)
    error_message = "disk_type must be pd-balanced, pd-ssd or hyperdisk-balanced (the only Hyperdisk type that can boot a node)."
  }
}

variable "boot_disk_kms_key_id" {
  description = "Cloud KMS key for the boot disks."
  type        = string
}

variable "service_account_email" {
  description = "Node service account (least privilege)."
  type        = string
}
