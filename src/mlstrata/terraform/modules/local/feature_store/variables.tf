variable "name" {
  description = "Feature store name (its folder under the platform root)."
  type        = string
}

variable "project" {
  description = "Feast project name (letters, digits, '_')."
  type        = string
}

variable "online_store" {
  description = "Feast online store type."
  type        = string
  default     = "sqlite"

  validation {
    condition     = var.online_store == "sqlite"
    error_message = "The local target runs the sqlite online store."
  }
}

variable "offline_store" {
  description = "Feast offline store type."
  type        = string
  default     = "file"

  validation {
    condition     = var.offline_store == "file"
    error_message = "The local target runs the file (Parquet) offline store."
  }
}
