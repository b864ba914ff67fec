variable "name" {
  description = "Bucket name: a folder under the environment's platform root."
  type        = string
}

variable "versioning" {
  description = "Keep replaced objects as numbered versions."
  type        = bool
  default     = true
}

variable "retention_days" {
  description = "Expire objects (and kept versions) older than this many days on every apply; 0 keeps them forever."
  type        = number
  default     = 0

  validation {
    condition     = var.retention_days >= 0
    error_message = "retention_days must be 0 (keep forever) or a positive number of days."
  }
}

variable "access" {
  description = "Service account name -> READ or WRITE."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for p in values(var.access) : contains(["READ", "WRITE"], p)])
    error_message = "Access is READ or WRITE."
  }
}

variable "protect" {
  description = "Refuse to destroy the bucket while it holds objects."
  type        = bool
  default     = false
}
