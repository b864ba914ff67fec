variable "project_id" {
  description = "Project of the cluster."
  type        = string
}

variable "name" {
  description = "Cluster name (at most 40 characters)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$", var.name))
    error_message = "name must be a lower-case name of at most 40 characters."
  }
}

variable "node_service_account_id" {
  description = "Id of the nodes' service account; null: <name>-nodes cut to 30 characters (collides with other ids of the project once name has 29 or more)."
  type        = string
  default     = null

  # Service account ids are 6-30 lower-case letters, digits and hyphens, starting with a letter and not ending
  # with a hyphen, and unique in the project (https://cloud.google.com/iam/docs/service-accounts-create).
  validation {
    condition     = var.node_service_account_id == null || can(regex("^[a-z][-a-z0-9]{4,28}[a-z0-9]$", var.node_service_account_id))
    error_message = "node_service_account_id must be 6-30 lower-case letters, digits and hyphens, starting with a letter and ending with a letter or digit."
  }
}

variable "region" {
  description = "Region of the cluster."
  type        = string
}

variable "zones" {
  description = "Zones for nodes, from data.google_compute_zones (the network module's zones output)."
  type        = list(string)

  validation {
    condition     = length(var.zones) >= 1
    error_message = "zones must hold at least one zone."
  }
}

variable "regional" {
  description = "Regional control plane and nodes in every zone (protected environments); false: a zonal cluster in the first zone."
  type        = bool
}

variable "kubernetes_version" {
  description = "Minimum control plane version (minor, e.g. \"1.33\"); the release channel upgrades from there."
  type        = string
}

variable "release_channel" {
  description = "GKE release channel: RAPID, REGULAR or STABLE."
  type        = string
  default     = "REGULAR"

  validation {
    condition     = contains(["RAPID", "REGULAR", "STABLE"], var.release_channel)
    error_message = "release_channel must be RAPID, REGULAR or STABLE."
  }
}

variable "network_id" {
  description = "VPC id."
  type        = string
}

variable "subnet_id" {
  description = "Node subnet id."
  type        = string
}

variable "pods_range_name" {
  description = "Secondary range of the subnet for pods."
  type        = string
}

variable "services_range_name" {
  description = "Secondary range of the subnet for services."
  type        = string
}

variable "master_ipv4_cidr" {
  description = "/28 range for the control plane's private endpoint."
  type        = string

  validation {
    condition     = can(cidrhost(var.master_ipv4_cidr, 0)) && endswith(var.master_ipv4_cidr, "/28")
    error_message = "master_ipv4_cidr must be a /28 CIDR block."
  }
}

variable "control_plane_webhook_ports" {
  description = "TCP ports of admission webhooks the control plane must reach on the nodes beyond 443 and 10250 (KServe 9443, Knative 8443)."
  type        = list(string)
  default     = ["8443", "9443"]

  validation {
    condition     = alltrue([for p in var.control_plane_webhook_ports : can(regex("^[0-9]{1,5}$", p))])
    error_message = "control_plane_webhook_ports must be TCP port numbers as strings, e.g. [\"9443\"]."
  }
}

variable "endpoint_public" {
  description = "Keep the control plane's public IP endpoint (restricted to authorized_cidrs); false: private IP endpoint plus the IAM-guarded DNS endpoint."
  type        = bool
  default     = false
}

variable "authorized_cidrs" {
  description = "CIDR blocks allowed to reach the control plane IP endpoints."
  type        = list(string)
  default     = []
}

variable "kms_key_id" {
  description = "Cloud KMS key for application-layer secrets encryption (the GKE service agent must be allowed to use it)."
  type        = string
}

variable "boot_disk_kms_key_id" {
  description = "Cloud KMS key for node boot disks (the Compute Engine service agent must be allowed to use it)."
  type        = string
}

variable "managed_prometheus" {
  description = "Enable Google Managed Prometheus and GKE's DCGM GPU metrics instead of a self-managed Prometheus."
  type        = bool
  default     = false
}

variable "system_pool_machine_type" {
  description = "Machine type of the untainted system node pool."
  type        = string
  default     = "e2-standard-4"
}

variable "system_pool_min_per_zone" {
  description = "Minimum system nodes per zone."
  type        = number
  default     = 1

  validation {
    condition     = var.system_pool_min_per_zone >= 1
    error_message = "The system pool needs at least one node per zone: cluster add-ons run there."
  }
}

variable "system_pool_max_per_zone" {
  description = "Maximum system nodes per zone."
  type        = number
  default     = 3

  validation {
    condition     = var.system_pool_max_per_zone >= 1
    error_message = "system_pool_max_per_zone must be at least 1."
  }
}

variable "protect" {
  description = "deletion_protection on the cluster (terraform destroy fails until it is turned off)."
  type        = bool
}

variable "admin_members" {
  description = "IAM members granted roles/container.admin in the project."
  type        = list(string)
  default     = []
}

variable "labels" {
  description = "Labels on the cluster and its nodes."
  type        = map(string)
  default     = {}
}
