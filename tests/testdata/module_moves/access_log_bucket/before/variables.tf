variable "name" {
  description = "Globally unique name of the bucket receiving S3 server access logs."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.name)) && !can(regex("\\.\\.|^xn--|-s3alias$|--ol-s3$", var.name))
    error_message = "name must be a valid S3 bucket name: 3 to 63 lower-case letters, digits, dots and hyphens."
  }
}

variable "retention_days" {
  description = "Delete access log objects this many days after delivery."
  type        = number
  default     = 365

  validation {
    condition     = var.retention_days >= 1
    error_message = "retention_days must be at least 1."
  }
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
