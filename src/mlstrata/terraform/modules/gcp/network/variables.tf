variable "project_id" {
  description = "Project of the network."
  type        = string
}

variable "name" {
  description = "Name of the VPC; prefixes the subnet, router and NAT."
  type        = string

  validation {
    condition     = can(regex("^[a-z]([-a-z0-9]{0,48}[a-z0-9])?$", var.name))
    error_message = "name must be a lower-case name of at most 50 characters (room for suffixes)."
  }
}

variable "region" {
  description = "Region of the subnet, router and NAT."
  type        = string
}

variable "zone_count" {
  description = "How many of the region's zones (sorted, as reported by the API) the platform uses."
  type        = number
  default     = 3

  validation {
    condition     = var.zone_count >= 1 && var.zone_count <= 6
    error_message = "zone_count must be between 1 and 6."
  }
}

variable "nodes_cidr" {
  description = "Primary range of the node subnet."
  type        = string

  validation {
    condition     = can(cidrhost(var.nodes_cidr, 0))
    error_message = "nodes_cidr must be a CIDR block."
  }
}

variable "pods_cidr" {
  description = "Secondary range for pod IPs (VPC-native GKE)."
  type        = string

  validation {
    condition     = can(cidrhost(var.pods_cidr, 0))
    error_message = "pods_cidr must be a CIDR block."
  }
}

variable "services_cidr" {
  description = "Secondary range for Service IPs."
  type        = string

  validation {
    condition     = can(cidrhost(var.services_cidr, 0))
    error_message = "services_cidr must be a CIDR block."
  }
}

variable "private_services_prefix_length" {
  description = "Prefix length of the range reserved for private services access (Cloud SQL)."
  type        = number
  default     = 20

  validation {
    condition     = var.private_services_prefix_length >= 8 && var.private_services_prefix_length <= 24
    error_message = "private_services_prefix_length must be between 8 and 24."
  }
}
