variable "project_id" {
  description = "Project of the instance."
  type        = string
}

variable "name" {
  description = "Instance name (also prefixes the password secret)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]([-a-z0-9]{0,60}[a-z0-9])?$", var.name))
    error_message = "name must be a lower-case name of at most 62 characters."
  }
}

variable "region" {
  description = "Region of the instance and of the secret's replica."
  type        = string
}

variable "network_id" {
  description = "VPC id from the network module's private_services_network_id output, which is only known once the private services access peering exists (an instance created before it has no private IP)."
  type        = string
}

variable "database_version" {
  description = "Cloud SQL PostgreSQL version."
  type        = string
  default     = "POSTGRES_17"

  validation {
    condition     = startswith(var.database_version, "POSTGRES_")
    error_message = "database_version must be a POSTGRES_* version."
  }
}

variable "tier" {
  description = "Machine tier, e.g. db-custom-2-7680."
  type        = string
  default     = "db-custom-2-7680"
}

variable "disk_size_gb" {
  description = "Initial disk size (grows automatically)."
  type        = number
  default     = 50
}

variable "backup_retention_days" {
  description = "Number of daily backups kept."
  type        = number
  default     = 14
}

variable "database_name" {
  description = "Database created in the instance."
  type        = string
}

variable "user_name" {
  description = "Database user the applications connect as."
  type        = string
}

variable "password_version" {
  description = "Bump to rotate the password: the next apply writes a new one to the user and to Secret Manager."
  type        = number
  default     = 1
}

variable "secret_reader_members" {
  description = "IAM members allowed to read the password secret, keyed by a stable label (members may be computed)."
  type        = map(string)
  default     = {}
}

variable "ssl_mode" {
  description = "TRUSTED_CLIENT_CERTIFICATE_REQUIRED (clients through the Cloud SQL Auth Proxy or a connector) or ENCRYPTED_ONLY (TLS without a client certificate, for a client that connects to the private IP directly)."
  type        = string
  default     = "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"

  validation {
    condition     = contains(["TRUSTED_CLIENT_CERTIFICATE_REQUIRED", "ENCRYPTED_ONLY"], var.ssl_mode)
    error_message = "ssl_mode must be TRUSTED_CLIENT_CERTIFICATE_REQUIRED or ENCRYPTED_ONLY: connections are always encrypted."
  }
}

variable "protect" {
  description = "Deletion protection (Terraform and cloud side) and a regional (HA) instance."
  type        = bool
}

variable "labels" {
  description = "Labels on the instance and secret."
  type        = map(string)
  default     = {}
}
