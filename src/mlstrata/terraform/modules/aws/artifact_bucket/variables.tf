# Checked as an S3 bucket name where the bucket is declared, in modules/s3_bucket.
variable "name" {
  description = "Globally unique bucket name."
  type        = string
}

variable "kms_key_arn" {
  description = "ARN of the KMS key for default SSE-KMS encryption (a key ARN, not an alias: the bucket policy compares it with the request's key ID); null for SSE-S3."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/", coalesce(var.kms_key_arn, "-")))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "versioning" {
  description = "Keep object versions (Enabled) or suspend versioning."
  type        = bool
  default     = true
}

variable "retention_days" {
  description = "Expire current objects this many days after creation; null keeps them forever."
  type        = number
  default     = null

  validation {
    condition     = var.retention_days == null || try(var.retention_days >= 1, false)
    error_message = "retention_days must be null or at least 1."
  }
}

variable "noncurrent_version_retention_days" {
  description = "Delete noncurrent (overwritten or deleted) object versions after this many days."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_retention_days >= 1
    error_message = "noncurrent_version_retention_days must be at least 1."
  }
}

variable "access_log_bucket" {
  description = "Name of the bucket receiving S3 server access logs (e.g. an access_log_bucket module); null disables access logging."
  type        = string
  default     = null
}

variable "reader_principal_arns" {
  description = "IAM role/user ARNs granted read access in the bucket policy (they also need kms:Decrypt on the key)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.reader_principal_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/", a))])
    error_message = "reader_principal_arns must be IAM role or user ARNs."
  }
}

variable "writer_principal_arns" {
  description = "IAM role/user ARNs granted read/write access in the bucket policy (they also need kms:GenerateDataKey and kms:Decrypt on the key)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.writer_principal_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/", a))])
    error_message = "writer_principal_arns must be IAM role or user ARNs."
  }
}

variable "deny_other_encryption" {
  description = "Deny uploads that explicitly ask for another encryption type or another KMS key than kms_key_arn."
  type        = bool
  default     = true
}

variable "only_writers_write" {
  description = "Deny PutObject/DeleteObject to every principal not in writer_principal_arns (e.g. a model registry stage only its promoters may write)."
  type        = bool
  default     = false
}

variable "protect" {
  description = "Deny s3:DeleteBucket and s3:DeleteBucketPolicy to everyone in the bucket policy (cloud-side deletion protection)."
  type        = bool
}

variable "tags" {
  description = "Tags applied to the bucket."
  type        = map(string)
  default     = {}
}
