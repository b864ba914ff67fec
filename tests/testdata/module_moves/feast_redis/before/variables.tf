variable "name" {
  description = "Replication group id (cut to 40 characters) and prefix of the users, subnet group and security group."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,62}[a-z0-9]$", var.name)) && !strcontains(var.name, "--")
    error_message = "name must be 2 to 64 lower-case letters, digits and single hyphens, starting with a letter (ids derived from it are cut to ElastiCache's 40 characters)."
  }
}

variable "vpc_id" {
  description = "VPC of the cluster."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets for the cache nodes."
  type        = list(string)
}

variable "allowed_security_group_ids" {
  description = "Security groups allowed to reach Redis on 6379 (the cluster's)."
  type        = list(string)
  default     = []
}

variable "kms_key_arn" {
  description = "KMS key encrypting the cache at rest and its snapshots."
  type        = string
}

variable "engine_version" {
  description = "Redis OSS engine version; IAM authentication needs 7.0 or later."
  type        = string
  default     = "7.1"

  validation {
    condition     = tonumber(split(".", var.engine_version)[0]) >= 7
    error_message = "engine_version must be 7.0 or later (IAM authentication)."
  }
}

variable "node_type" {
  description = "Cache node type."
  type        = string
  default     = "cache.r7g.large"
}

variable "protect" {
  description = "Two nodes with automatic failover across zones, a week of snapshots and a final snapshot."
  type        = bool
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
