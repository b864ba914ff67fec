variable "project_id" {
  description = "Project owning the state bucket."
  type        = string
}

variable "bucket_name" {
  description = "Globally unique name of the state bucket."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][-a-z0-9_.]{1,50}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be 3-52 lower-case letters, digits, hyphens, underscores or dots (room for the key name)."
  }
}

variable "location" {
  description = "Bucket and key location."
  type        = string
}

variable "writer_members" {
  description = "IAM members (Terraform runners of every environment, any project) with object admin on the bucket."
  type        = list(string)
  default     = []
}
