variable "name" {
  description = "Identifier of the DB instance and prefix of related resources."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,49}$", var.name)) && !endswith(var.name, "-") && !strcontains(var.name, "--")
    error_message = "name must start with a letter, hold lower-case letters, digits and single hyphens, not end with a hyphen, max 50 characters."
  }
}

variable "vpc_id" {
  description = "ID of the VPC of the database security group."
  type        = string

  validation {
    condition     = startswith(var.vpc_id, "vpc-")
    error_message = "vpc_id must be a VPC ID (vpc-...)."
  }
}

variable "subnet_ids" {
  description = "Private subnet IDs for the DB subnet group, in at least two availability zones."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2 && alltrue([for s in var.subnet_ids : startswith(s, "subnet-")])
    error_message = "subnet_ids must hold at least two subnet IDs (RDS requires two availability zones)."
  }
}

variable "allowed_security_group_ids" {
  description = "Security groups allowed to connect on 5432 (e.g. the EKS cluster security group)."
  type        = list(string)

  validation {
    condition     = alltrue([for s in var.allowed_security_group_ids : startswith(s, "sg-")])
    error_message = "allowed_security_group_ids must be security group IDs (sg-...)."
  }
}

variable "kms_key_arn" {
  description = "KMS key ARN for storage, Performance Insights, the master user secret and the log groups (policy must allow logs.<region>.amazonaws.com)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "instance_class" {
  description = "DB instance class."
  type        = string
  default     = "db.t4g.medium"

  validation {
    condition     = startswith(var.instance_class, "db.")
    error_message = "instance_class must be an RDS instance class such as db.t4g.medium."
  }
}

variable "allocated_storage_gb" {
  description = "Initial storage in GiB; storage autoscaling may grow it to 4x."
  type        = number
  default     = 50

  validation {
    condition     = var.allocated_storage_gb >= 20 && var.allocated_storage_gb <= 16384
    error_message = "allocated_storage_gb must be between 20 and 16384 (gp3 limits)."
  }
}

variable "engine_version" {
  description = "PostgreSQL version: a major version (\"16\") to follow minor upgrades, or a full one (\"16.4\")."
  type        = string
  default     = "16"

  validation {
    condition     = can(regex("^[0-9]{2}(\\.[0-9]+)?$", var.engine_version))
    error_message = "engine_version must look like \"16\" or \"16.4\"."
  }
}

variable "multi_az" {
  description = "Run a synchronous standby in a second availability zone."
  type        = bool
}

variable "backup_retention_days" {
  description = "Days automated backups are kept."
  type        = number
  default     = 14

  validation {
    condition     = var.backup_retention_days >= 1 && var.backup_retention_days <= 35
    error_message = "backup_retention_days must be between 1 and 35."
  }
}

variable "protect" {
  description = "Turn on RDS deletion protection and take a final snapshot on deletion (cloud-side, see README)."
  type        = bool
}

variable "db_name" {
  description = "Name of the database created in the instance."
  type        = string
  default     = "metadata"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,62}$", var.db_name))
    error_message = "db_name must start with a letter and hold lower-case letters, digits and underscores (max 63)."
  }
}

variable "master_username" {
  description = "Master user name; its password lives only in Secrets Manager."
  type        = string
  default     = "mlstrata_admin"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,62}$", var.master_username)) && !contains(["admin", "postgres", "rdsadmin"], var.master_username)
    error_message = "master_username must start with a letter, hold lower-case letters, digits and underscores, and not be a reserved name."
  }
}

variable "log_retention_days" {
  description = "Retention of the exported PostgreSQL log groups in days."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts."
  }
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
