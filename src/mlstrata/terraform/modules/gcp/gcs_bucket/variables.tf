variable "project_id" {
  description = "Project of the bucket."
  type        = string
}

variable "name" {
  description = "Globally unique bucket name."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][-a-z0-9_.]{1,61}[a-z0-9]$", var.name))
    error_message = "name must be 3-63 lower-case letters, digits, hyphens, underscores or dots."
  }
}

variable "location" {
  description = "Bucket location (the region, co-located with the KMS key)."
  type        = string
}

variable "kms_key_id" {
  description = "Cloud KMS key for default object encryption; the Cloud Storage service agent must be allowed to use it. null: Google-managed encryption."
  type        = string
  default     = null
}

variable "versioning" {
  description = "Keep noncurrent versions of overwritten and deleted objects."
  type        = bool
  default     = true
}

variable "retention_days" {
  description = "Delete live objects older than this many days; null keeps them."
  type        = number
  default     = null
}

variable "noncurrent_retention_days" {
  description = "Delete noncurrent versions this many days after they became noncurrent."
  type        = number
  default     = 30
}

variable "soft_delete_days" {
  description = "Days a deleted object stays restorable (0 turns soft delete off; at most 90)."
  type        = number
  default     = 7

  validation {
    condition     = var.soft_delete_days == 0 || (var.soft_delete_days >= 7 && var.soft_delete_days <= 90)
    error_message = "soft_delete_days must be 0 or between 7 and 90."
  }
}

variable "log_bucket" {
  description = "Bucket receiving usage logs; null for none (the log bucket itself)."
  type        = string
  default     = null
}

variable "reader_members" {
  description = "IAM members with roles/storage.objectViewer, keyed by a stable label (keys must be known at plan time; members may be computed)."
  type        = map(string)
  default     = {}
}

variable "writer_members" {
  description = "IAM members with roles/storage.objectUser (read and write objects), keyed by a stable label (keys must be known at plan time; members may be computed)."
  type        = map(string)
  default     = {}
}

variable "protect" {
  description = "Refuse to destroy the bucket while it holds objects (force_destroy = false)."
  type        = bool
}

variable "labels" {
  description = "Labels on the bucket."
  type        = map(string)
  default     = {}
}
