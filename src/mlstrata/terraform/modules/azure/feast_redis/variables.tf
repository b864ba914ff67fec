variable "name" {
  description = "Cache name (<platform>-<env>-feast), globally unique: letters, digits and hyphens, 1-63 characters."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$", var.name))
    error_message = "name must be 1-63 letters, digits and hyphens, starting and ending with a letter or digit."
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

variable "private_endpoint_subnet_id" {
  description = "Subnet of the private endpoint."
  type        = string
}

variable "private_dns_zone_id" {
  description = "Private DNS zone privatelink.redis.cache.windows.net."
  type        = string
}

variable "data_contributor_object_id" {
  description = "Object id of the identity Feast runs as (Entra authentication, Data Contributor access policy)."
  type        = string
}

variable "data_contributor_alias" {
  description = "Name of that identity in the cache's access policy assignments (the Redis user name is its object id)."
  type        = string
  default     = "feast"
}

variable "protect" {
  description = "Premium tier across three zones."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags on the cache and its private endpoint."
  type        = map(string)
  default     = {}
}
