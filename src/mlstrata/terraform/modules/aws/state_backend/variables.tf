# Checked as an S3 bucket name where the bucket is declared, in modules/s3_bucket.
variable "bucket_name" {
  description = "Globally unique name of the Terraform state bucket (also the KMS alias name)."
  type        = string
}

variable "protect" {
  description = "Deny deletion of the bucket, its policy and the state key (cloud-side deletion protection)."
  type        = bool
}

variable "noncurrent_version_retention_days" {
  description = "Days old state versions are kept for recovery."
  type        = number
  default     = 90

  validation {
    condition     = var.noncurrent_version_retention_days >= 1
    error_message = "noncurrent_version_retention_days must be at least 1."
  }
}

variable "access_log_bucket" {
  description = "Name of a bucket receiving S3 server access logs for the state bucket; null disables access logging."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags applied to the bucket and the key."
  type        = map(string)
  default     = {}
}

variable "state_access" {
  description = "Per environment: the role that runs Terraform there (any account) and the key prefix of its state, e.g. { principal_arn = \"arn:aws:iam::111111111111:role/acme-ml-deploy\", key_prefix = \"acme-ml/dev\" }."
  type = list(object({
    principal_arn = string
    key_prefix    = string
  }))
  default = []

  validation {
    condition     = alltrue([for a in var.state_access : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/", a.principal_arn)) && !endswith(a.key_prefix, "/")])
    error_message = "state_access entries need an IAM role ARN and a key_prefix without a trailing slash."
  }
}
