variable "name" {
  description = "Key Vault name: globally unique, 3-24 letters, digits and hyphens."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$", var.name))
    error_message = "name must be 3-24 letters, digits and hyphens, starting with a letter."
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
  description = "Entra ID tenant of the vault."
  type        = string
}

variable "deployer_object_id" {
  description = "Object id of the identity running Terraform (creates the keys)."
  type        = string
}

variable "public_network_access_enabled" {
  description = "Allow the public endpoint (restricted by network_acls); false in protected environments."
  type        = bool
}

variable "allowed_ip_ranges" {
  description = "Public CIDRs (e.g. CI egress) allowed through network_acls when the public endpoint is on."
  type        = list(string)
  default     = []
}

variable "allowed_subnet_ids" {
  description = "Subnets (service endpoint Microsoft.KeyVault) allowed through network_acls."
  type        = list(string)
  default     = []
}

variable "private_endpoint_subnet_id" {
  description = "Subnet of the vault's private endpoint."
  type        = string
}

variable "private_dns_zone_id" {
  description = "privatelink.vaultcore.azure.net zone id."
  type        = string
}

variable "tags" {
  description = "Tags on every resource."
  type        = map(string)
  default     = {}
}
