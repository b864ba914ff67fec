variable "name" {
  description = "Cache name (<platform>-<env>-feast-<suffix>), globally unique: letters, digits and hyphens, 1-60 characters."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9]([-a-zA-Z0-9]{0,58}[a-zA-Z0-9])?$", var.name)) && !strcontains(var.name, "--")
    error_message = "name must be 1-60 letters, digits and single hyphens, starting and ending with a letter or digit."
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

variable "sku_name" {
  description = "Managed Redis SKU (Balanced_B1, MemoryOptimized_M10 ...): memory and vCPUs; changing it replaces the cache."
  type        = string

  validation {
    condition     = can(regex("^(Balanced_B|MemoryOptimized_M|ComputeOptimized_X|FlashOptimized_A)[0-9]+$", var.sku_name))
    error_message = "sku_name must be an Azure Managed Redis SKU: Balanced_B*, MemoryOptimized_M*, ComputeOptimized_X* or FlashOptimized_A*."
  }
}

variable "high_availability" {
  description = "A replica of every shard (zone redundant where the region has zones); off only outside production."
  type        = bool
  default     = true
}

variable "key_version_id" {
  description = "Versioned id of the environment's customer-managed key (the base layer's Key Vault key): Managed Redis takes no versionless id."
  type        = string

  validation {
    condition     = can(regex("/keys/[^/]+/[0-9a-fA-F]{32}$", var.key_version_id))
    error_message = "key_version_id must name a key version (https://<vault>.vault.azure.net/keys/<name>/<version>), not the versionless key."
  }
}

variable "cmk_identity_id" {
  description = "User-assigned identity allowed to wrap and unwrap with that key."
  type        = string
}

variable "private_endpoint_subnet_id" {
  description = "Subnet of the private endpoint."
  type        = string
}

variable "private_dns_zone_id" {
  description = "Private DNS zone privatelink.redis.azure.net."
  type        = string
}

variable "data_contributor_object_id" {
  description = "Object id of the identity Feast runs as (Entra authentication, the database's default access policy)."
  type        = string
}

variable "data_contributor_alias" {
  description = "Name of that identity's access policy assignment: 1-60 letters and digits."
  type        = string
  default     = "feast"

  validation {
    condition     = can(regex("^[A-Za-z0-9]{1,60}$", var.data_contributor_alias))
    error_message = "data_contributor_alias must be 1-60 letters and digits (the API's pattern for assignment names)."
  }
}

variable "tags" {
  description = "Tags on the cache and its private endpoint."
  type        = map(string)
  default     = {}
}
