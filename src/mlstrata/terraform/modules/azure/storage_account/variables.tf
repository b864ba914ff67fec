variable "name" {
  description = "Storage account name: globally unique, 3-24 lower-case letters and digits."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]{3,24}$", var.name))
    error_message = "name must be 3-24 lower-case letters and digits."
  }
}

variable "location" {
  description = "Azure region."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group of the environment."
  type        = string
}

variable "container_name" {
  description = "Blob container holding the store's objects."
  type        = string
}

variable "replication_type" {
  description = "ZRS (zone-redundant) or GZRS (also geo-redundant, for protected environments)."
  type        = string
  default     = "ZRS"

  validation {
    condition     = contains(["ZRS", "GZRS", "RAGZRS", "GRS", "RAGRS"], var.replication_type)
    error_message = "replication_type must be ZRS, GZRS, RAGZRS, GRS or RAGRS (no single-zone LRS)."
  }
}

variable "versioning" {
  description = "Keep previous versions of overwritten blobs (turns the hierarchical namespace off)."
  type        = bool
  default     = true
}

variable "retention_days" {
  description = "Delete blobs this many days after their last modification; null keeps them."
  type        = number
  default     = null
}

variable "noncurrent_version_retention_days" {
  description = "Delete previous versions and snapshots this many days after they were created."
  type        = number
  default     = 30
}

variable "soft_delete_days" {
  description = "Days a deleted blob or container can be restored."
  type        = number
  default     = 30

  validation {
    condition     = var.soft_delete_days >= 1 && var.soft_delete_days <= 365
    error_message = "soft_delete_days must be between 1 and 365."
  }
}

variable "key_vault_id" {
  description = "Key Vault holding the customer-managed key."
  type        = string
}

variable "key_name" {
  description = "Name of the customer-managed key."
  type        = string
}

variable "cmk_identity_id" {
  description = "User-assigned identity allowed to wrap/unwrap with the key."
  type        = string
}

variable "private_endpoint_subnet_id" {
  description = "Subnet of the private endpoints."
  type        = string
}

variable "private_dns_zone_ids" {
  description = "Private DNS zone ids by kind (blob, dfs) from the network module."
  type        = map(string)
}

variable "reader_principal_ids" {
  description = "Entra object ids with read access to the container (Storage Blob Data Reader)."
  type        = list(string)
  default     = []
}

variable "writer_principal_ids" {
  description = "Entra object ids with write access to the container (Storage Blob Data Contributor)."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags on every resource."
  type        = map(string)
  default     = {}
}

variable "protect" {
  description = "Protected environment: a CanNotDelete lock on the account."
  type        = bool
  default     = false
}

variable "log_analytics_workspace_id" {
  description = "Log Analytics workspace receiving the blob service's read, write and delete logs."
  type        = string
}
