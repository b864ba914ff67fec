variable "name" {
  description = "Store name."
  type        = string
}

variable "backend" {
  description = "sqlite (a file under the platform root) or postgres (a database on the configured server)."
  type        = string
  default     = "sqlite"

  validation {
    condition     = contains(["sqlite", "postgres"], var.backend)
    error_message = "backend is sqlite or postgres."
  }
}

variable "protect" {
  description = "Refuse to destroy the store while it holds pipeline metadata (tables besides its marker)."
  type        = bool
  default     = false
}
