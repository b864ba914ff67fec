variable "name" {
  description = "Prefix of every resource name (<platform>-<env>)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,40}$", var.name))
    error_message = "name must be lower-case letters, digits and hyphens, 1 to 41 characters."
  }
}

variable "location" {
  description = "Azure region of the environment, e.g. \"eastus2\"."
  type        = string
}

variable "cidr" {
  description = "IPv4 address space of the VNet, /16 to /20; subnets are carved from it."
  type        = string

  validation {
    condition     = can(cidrhost(var.cidr, 0)) && try(tonumber(split("/", var.cidr)[1]) >= 16 && tonumber(split("/", var.cidr)[1]) <= 20, false)
    error_message = "cidr must be a valid IPv4 CIDR with a prefix length between /16 and /20."
  }
}

variable "nat_zones" {
  description = "Zone of the NAT gateway and its public IP (a NAT gateway is zonal: at most one zone); [] for no zone."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.nat_zones) <= 1
    error_message = "A NAT gateway can be placed in one zone at most."
  }
}

variable "redis_private_dns_zone" {
  description = "Add the private DNS zone of Azure Managed Redis (a Feast online store is declared)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags on every resource."
  type        = map(string)
  default     = {}
}

variable "runner_vnet_id" {
  description = "Resource id of the CI runner VNet of a protected environment (bootstrap/ci_runner/<env>): peered both ways and linked to every private DNS zone, so the runner reaches the private endpoints. null: no runner VNet."
  type        = string
  default     = null
}
