variable "project_id" {
  description = "Project of the instance."
  type        = string
}

variable "name" {
  description = "Instance id (<platform>-<env>-feast): lower-case letters, digits and hyphens, at most 40 characters."
  type        = string

  validation {
    condition     = can(regex("^[a-z][-a-z0-9]{0,38}[a-z0-9]$", var.name))
    error_message = "name must start with a letter, hold lower-case letters, digits and hyphens, and be at most 40 characters."
  }
}

variable "region" {
  description = "Region of the instance."
  type        = string
}

variable "network_id" {
  description = "VPC with private services access (the network module's private_services_network_id)."
  type        = string
}

variable "kms_key_id" {
  description = "Cloud KMS key encrypting the instance at rest (the Memorystore service agent must be able to use it)."
  type        = string
}

variable "memory_size_gb" {
  description = "Memory of the instance in GiB."
  type        = number
  default     = 1
}

variable "protect" {
  description = "Standard tier with a replica in another zone (automatic failover)."
  type        = bool
  default     = false
}

variable "labels" {
  description = "Labels on the instance."
  type        = map(string)
  default     = {}
}
