variable "name" {
  description = "Globally unique bucket name."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.name)) && !can(regex("\\.\\.|^xn--|-s3alias$|--ol-s3$", var.name))
    error_message = "name must be a valid S3 bucket name: 3 to 63 lower-case letters, digits, dots and hyphens (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html)."
  }
}

variable "kms_key_arn" {
  description = "ARN of the KMS key for default SSE-KMS encryption with a bucket key; null for SSE-S3."
  type        = string
  default     = null
}

variable "versioning" {
  description = "Keep object versions (Enabled) or suspend versioning."
  type        = bool
  default     = true
}

variable "lifecycle_rule_id" {
  description = "ID of the bucket's one lifecycle rule (it names what the rule is for)."
  type        = string
}

variable "retention_days" {
  description = "Expire current objects this many days after creation; null keeps them and only removes delete markers with no versions left."
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

  validation {
    condition     = var.noncurrent_version_retention_days >= 1
    error_message = "noncurrent_version_retention_days must be at least 1."
  }
}

variable "access_log_bucket" {
  description = "Name of the bucket receiving this bucket's S3 server access logs (under <name>/); null disables access logging."
  type        = string
  default     = null
}

variable "receives_access_logs" {
  description = "This bucket is a server access log target: the bucket policy lets the S3 logging service of this account deliver logs."
  type        = bool
  default     = false
}

variable "deny_other_encryption" {
  description = "Deny uploads that explicitly ask for another encryption type than the bucket default (aws:kms with kms_key_arn, AES256 without)."
  type        = bool
  default     = false
}

variable "policy_documents" {
  description = "The caller's own bucket policy statements as IAM policy documents (JSON); their sids must be unique."
  type        = list(string)
  default     = []
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
