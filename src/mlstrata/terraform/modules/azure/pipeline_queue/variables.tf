variable "name" {
  description = "Service Bus namespace name: unique across Azure (<name>.servicebus.windows.net), 6-50 letters, digits and hyphens; the caller adds a stable hash so two platforms of the same name do not collide."
  type        = string
  # https://learn.microsoft.com/rest/api/servicebus/create-namespace: starts with a letter, ends with a letter or
  # digit, and never ends in -sb or -mgmt.
  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{4,48}[a-zA-Z0-9]$", var.name)) && !endswith(var.name, "-sb") && !endswith(var.name, "-mgmt")
    error_message = "name must be 6-50 letters, digits and hyphens, start with a letter, end with a letter or digit, and not end in -sb or -mgmt."
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

variable "sku" {
  description = "Premium (private endpoint, CMK; protected environments) or Standard."
  type        = string

  validation {
    condition     = contains(["Standard", "Premium"], var.sku)
    error_message = "sku must be Standard or Premium."
  }
}

variable "public_network_access_enabled" {
  description = "Public endpoint on (Standard) or off (Premium, reached through its private endpoint)."
  type        = bool
}

variable "message_retention_hours" {
  description = "Time to live of a message before it is dead-lettered."
  type        = number
  default     = 96
}

variable "lock_duration_seconds" {
  description = "Peek-lock duration: how long a receiver owns a message (at most 300 s)."
  type        = number
  default     = 300

  validation {
    condition     = var.lock_duration_seconds >= 5 && var.lock_duration_seconds <= 300
    error_message = "lock_duration_seconds must be between 5 and 300 (Service Bus maximum: 5 minutes)."
  }
}

variable "max_delivery_count" {
  description = "Deliveries before a message moves to the dead-letter queue."
  type        = number
  default     = 5
}

variable "key_id" {
  description = "Customer-managed key (Premium only)."
  type        = string
}

variable "cmk_identity_id" {
  description = "Identity allowed to use the key (Premium only)."
  type        = string
}

variable "private_endpoint_subnet_id" {
  description = "Subnet of the private endpoint (Premium only)."
  type        = string
}

variable "private_dns_zone_id" {
  description = "privatelink.servicebus.windows.net zone id."
  type        = string
}

variable "tags" {
  description = "Tags on every resource."
  type        = map(string)
  default     = {}
}
