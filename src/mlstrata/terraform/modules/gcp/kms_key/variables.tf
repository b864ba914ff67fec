variable "project_id" {
  description = "Project holding the key ring."
  type        = string
}

variable "location" {
  description = "Cloud KMS location; the region of the resources using the key (CMEK must be co-located)."
  type        = string
}

variable "name" {
  description = "Name of the key ring and of the key (1-63 characters)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,63}$", var.name))
    error_message = "name must be 1-63 letters, digits, hyphens or underscores."
  }
}

variable "rotation_period" {
  description = "Automatic rotation period in seconds with an \"s\" suffix (at most 90 days keeps scanners and auditors happy)."
  type        = string
  default     = "7776000s"

  validation {
    condition     = can(regex("^[0-9]+s$", var.rotation_period)) && tonumber(trimsuffix(var.rotation_period, "s")) >= 86400
    error_message = "rotation_period must be a number of seconds with an s suffix, at least 86400s (one day)."
  }
}

variable "destroy_scheduled_days" {
  description = "Days between destroying the key in Terraform and its versions being destroyed (undo window)."
  type        = number
  default     = 30

  validation {
    condition     = var.destroy_scheduled_days >= 1 && var.destroy_scheduled_days <= 120
    error_message = "destroy_scheduled_days must be between 1 and 120."
  }
}

variable "encrypter_members" {
  description = "IAM members (service agents) granted roles/cloudkms.cryptoKeyEncrypterDecrypter on the key, keyed by a stable label: for_each keys must be known at plan time, the agents' emails are not on a first apply."
  type        = map(string)
  default     = {}
}

variable "grant_propagation_wait" {
  description = "How long key_id is held back after the service agents' grants are made or changed, so that they are effective when a bucket, cluster or instance first uses the key (IAM propagation takes about two minutes)."
  type        = string
  default     = "120s"

  validation {
    condition     = can(regex("^[0-9]+s$", var.grant_propagation_wait))
    error_message = "grant_propagation_wait must be a number of seconds with an s suffix, e.g. \"120s\"."
  }
}

variable "labels" {
  description = "Labels on the key."
  type        = map(string)
  default     = {}
}

variable "protect" {
  description = "lifecycle.prevent_destroy on the key (protected environments). Fixed at creation: switching it is a terraform state mv."
  type        = bool
}
