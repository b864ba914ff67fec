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

variable "zones" {
  description = "Zones the slice may run in, in order of preference: it runs in the first that offers machine_type (TPU types are offered in few zones)."
  type        = list(string)

  validation {
    condition     = length(var.zones) >= 1
    error_message = "zones must hold at least one zone."
  }
}

variable "zone_count" {
  description = "How many zones `zones` holds, as a number known when planning (a first apply reads the zones themselves only then)."
  type        = number

  validation {
    condition     = var.zone_count >= 1
    error_message = "zone_count must be at least 1."
  }
}

variable "name" {
  description = "Node pool name, unique in the cluster."
  type        = string

  validation {
    condition     = can(regex("^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$", var.name))
    error_message = "name must be a lower-case name of at most 40 characters."
  }
}

variable "machine_type" {
  description = "TPU machine type: ct5lp-hightpu-{1,4,8}t (v5e), ct5p-hightpu-4t (v5p), ct6e-standard-{1,4,8}t (v6e)."
  type        = string

  validation {
    condition     = can(regex("^(ct5lp-hightpu|ct5p-hightpu|ct6e-standard)-[0-9]+t$", var.machine_type))
    error_message = "machine_type must be a ct5lp-hightpu-*, ct5p-hightpu-* or ct6e-standard-* TPU machine type."
  }
}

variable "tpu_topology" {
  description = "Slice topology, e.g. 2x4 (v5e/v6e) or 2x2x2 (v5p); its chip count divided by the chips per VM is the node count."
  type        = string

  validation {
    condition     = can(regex("^[0-9]+x[0-9]+(x[0-9]+)?$", var.tpu_topology))
    error_message = "tpu_topology must look like 2x4 or 2x2x2."
  }
}

variable "node_count_owner" {
  description = "\"terraform\": node_count is applied on every run; \"autoscaler\": the slice is created on demand (0 or all hosts)."
  type        = string

  validation {
    condition     = contains(["terraform", "autoscaler"], var.node_count_owner)
    error_message = "node_count_owner must be \"terraform\" or \"autoscaler\"."
  }
}

variable "node_count" {
  description = "Nodes (TPU VMs) when Terraform owns the count: 0 or the slice's host count."
  type        = number
  default     = null
}

variable "initial_node_count" {
  description = "Nodes at creation when the autoscaler owns the count."
  type        = number
  default     = 0
}

variable "min_node_count" {
  description = "Autoscaler minimum (0 or the host count for a multi-host slice)."
  type        = number
  default     = 0
}

variable "max_node_count" {
  description = "Autoscaler maximum (the host count for a multi-host slice)."
  type        = number
  default     = null
}

variable "spot" {
  description = "Spot TPU VMs."
  type        = bool
  default     = false
}

variable "reservation_affinity" {
  description = "ANY, SPECIFIC (reservation_name) or NO_RESERVATION."
  type        = string
  default     = "ANY"

  validation {
    condition     = contains(["ANY", "SPECIFIC", "NO_RESERVATION"], var.reservation_affinity)
    error_message = "reservation_affinity must be ANY, SPECIFIC or NO_RESERVATION."
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

variable "labels" {
  description = "Kubernetes node labels."
  type        = map(string)
  default     = {}
}

variable "resource_labels" {
  description = "GCP labels on the node VMs."
  type        = map(string)
  default     = {}
}

variable "taints" {
  description = "Kubernetes taints, e.g. [{ key = \"google.com/tpu\", value = \"present\", effect = \"NO_SCHEDULE\" }]."
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
  description = "Boot disk size in GB."
  type        = number
  default     = 200
}

variable "disk_type" {
  description = "Boot disk type. Machine series that boot only from Hyperdisk (A3 Ultra, A4, A4X, TPU v6e) need hyperdisk-balanced; a Persistent Disk type is refused for them. Changing it replaces the pool."
  type        = string
  default     = "pd-balanced"

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
