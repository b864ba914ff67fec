variable "name" {
  description = "Server name: globally unique (<name>.postgres.database.azure.com), 3-63 lower-case letters, digits and hyphens; the caller adds a stable hash so two platforms of the same name do not collide."
  type        = string
  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.name))
    error_message = "name must be 3-63 lower-case letters, digits and hyphens, starting and ending with a letter or digit."
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

variable "tenant_id" {
  description = "Entra ID tenant for database authentication."
  type        = string
}

variable "sku_name" {
  description = "Compute size, e.g. GP_Standard_D2ds_v5 or B_Standard_B2ms."
  type        = string
  default     = "GP_Standard_D2ds_v5"
}

variable "storage_mb" {
  description = "Storage size in MB (one of Azure's sizes: 32768, 65536, 131072, ...)."
  type        = number
  default     = 65536
}

variable "backup_retention_days" {
  description = "Days of point-in-time restore (7 to 35)."
  type        = number
  default     = 14

  validation {
    condition     = var.backup_retention_days >= 7 && var.backup_retention_days <= 35
    error_message = "backup_retention_days must be between 7 and 35."
  }
}

variable "subnet_id" {
  description = "Subnet delegated to Microsoft.DBforPostgreSQL/flexibleServers."
  type        = string
}

variable "private_dns_zone_id" {
  description = "Private DNS zone ending in .postgres.database.azure.com, linked to the VNet."
  type        = string
}

variable "admin_object_id" {
  description = "Object id of the Entra principal administering the database (the pipeline identity)."
  type        = string
}

variable "admin_principal_name" {
  description = "Name of that principal (the user-assigned identity's name)."
  type        = string
}

variable "protect" {
  description = "Protected environment: zone-redundant high availability and geo-redundant backups."
  type        = bool
}

variable "tags" {
  description = "Tags on every resource."
  type        = map(string)
  default     = {}
}
