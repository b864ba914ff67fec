variable "name" {
  description = "Cluster name (<platform>-<env>); also the DNS prefix."
  type        = string
}

variable "location" {
  description = "Azure region."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group of the environment."
  type        = string
}

variable "vnet_id" {
  description = "VNet the nodes join; the control plane identity gets Network Contributor on it."
  type        = string
}

variable "node_subnet_id" {
  description = "Subnet of the nodes (its egress goes through the NAT gateway)."
  type        = string
}

variable "kubernetes_version" {
  description = "Kubernetes minor version, e.g. \"1.33\"; patches come through the upgrade channel."
  type        = string

  validation {
    condition     = can(regex("^1\\.[0-9]{2}$", var.kubernetes_version))
    error_message = "kubernetes_version must be a minor version such as \"1.33\"."
  }
}

variable "sku_tier" {
  description = "\"Standard\" (uptime SLA, for protected environments) or \"Free\"."
  type        = string
  default     = "Standard"

  validation {
    condition     = contains(["Free", "Standard", "Premium"], var.sku_tier)
    error_message = "sku_tier must be Free, Standard or Premium."
  }
}

variable "automatic_upgrade_channel" {
  description = "AKS automatic upgrade channel: patch, stable, rapid, node-image or none."
  type        = string
  default     = "patch"

  validation {
    condition     = contains(["patch", "stable", "rapid", "node-image", "none"], var.automatic_upgrade_channel)
    error_message = "automatic_upgrade_channel must be patch, stable, rapid, node-image or none."
  }
}

variable "maintenance_day" {
  description = "Day of the weekly maintenance window (upgrades and node OS images)."
  type        = string
  default     = "Sunday"
}

variable "azure_policy_enabled" {
  description = "Install the Azure Policy add-on (Gatekeeper) to enforce policy assignments in the cluster."
  type        = bool
  default     = true
}

variable "private_cluster" {
  description = "API server on a private endpoint only (protected environments); CI must run inside the VNet."
  type        = bool
}

variable "authorized_ip_ranges" {
  description = "CIDRs allowed to reach a public API server (ignored for private clusters)."
  type        = list(string)
  default     = []
}

variable "egress_ip_addresses" {
  description = "Public IPv4 addresses the nodes' egress leaves from (the NAT gateway's): with outbound type userAssignedNATGateway the nodes reach a public API server through them, so a server limited to authorized_ip_ranges admits them too."
  type        = list(string)
  default     = []
}

variable "zones" {
  description = "Availability zones of the system pool, e.g. [\"1\", \"2\", \"3\"]."
  type        = list(string)
  default     = ["1", "2", "3"]
}

variable "system_vm_size" {
  description = "VM size of the system pool (needs a cache/temp disk of at least system_os_disk_size_gb for an ephemeral OS disk)."
  type        = string
  default     = "Standard_D4ds_v5"
}

variable "system_min_count" {
  description = "Minimum nodes of the system pool."
  type        = number
  default     = 2
}

variable "system_max_count" {
  description = "Maximum nodes of the system pool."
  type        = number
  default     = 5
}

variable "system_os_disk_size_gb" {
  description = "Ephemeral OS disk size of the system pool in GB."
  type        = number
  default     = 128
}

variable "system_host_encryption" {
  description = "Encryption at host on the system pool (temp disks and OS disk caches); needs the Microsoft.Compute/EncryptionAtHost feature registered on the subscription."
  type        = bool
  default     = true
}

variable "disk_encryption_set_id" {
  description = "Disk encryption set (customer-managed key) of node OS disks and CSI volumes; set at creation only."
  type        = string
}

variable "critical_addons_only" {
  description = "Taint the system pool CriticalAddonsOnly=true:NoSchedule; only when another untainted pool runs platform workloads."
  type        = bool
  default     = false
}

variable "tenant_id" {
  description = "Entra ID tenant of the cluster's users."
  type        = string
}

variable "admin_group_object_ids" {
  description = "Entra ID object ids of the groups/principals with cluster-admin (Azure RBAC)."
  type        = list(string)
}

variable "deployer_object_id" {
  description = "Object id of the identity running Terraform; it installs the platform layer's Helm releases."
  type        = string
}

variable "pod_cidr" {
  description = "Overlay range of pod addresses (not part of the VNet)."
  type        = string
  default     = "192.168.0.0/16"
}

variable "service_cidr" {
  description = "Range of Kubernetes service addresses; must not overlap the VNet."
  type        = string
  default     = "172.16.0.0/16"
}

variable "managed_prometheus" {
  description = "Enable Azure Monitor managed Prometheus metrics collection (monitor_metrics)."
  type        = bool
  default     = false
}

variable "log_retention_days" {
  description = "Retention of the container insights Log Analytics workspace."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags on every resource."
  type        = map(string)
  default     = {}
}

variable "runner_vnet_id" {
  description = "Resource id of the CI runner VNet (peered by the network module) to link to a private cluster's DNS zone, so the runner resolves the API server; null: none."
  type        = string
  default     = null
}
