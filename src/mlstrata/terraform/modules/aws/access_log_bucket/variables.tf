# Checked as an S3 bucket name where the bucket is declared, in modules/s3_bucket.
variable "name" {
  description = "Globally unique name of the bucket receiving S3 server access logs."
  type        = string
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
