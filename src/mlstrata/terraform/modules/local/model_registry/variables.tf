variable "name" {
  description = "Registry name: one registry per environment (its promotion stage)."
  type        = string
}

variable "backend" {
  description = "Backend store of the registry: sqlite (a file under the platform root) or postgres."
  type        = string
  default     = "sqlite"

  validation {
    condition     = contains(["sqlite", "postgres"], var.backend)
    error_message = "backend is sqlite or postgres."
  }
}

variable "port" {
  description = "Port the registry's MLflow UI command listens on (distinct per environment)."
  type        = number
  default     = 5000
}

variable "retention_days" {
  description = "Expire artifacts older than this many days; 0 keeps them forever."
  type        = number
  default     = 0
}

variable "models" {
  description = "Registered models: name -> description and tags."
  type = map(object({
    description = string
    tags        = map(string)
  }))
  default = {}
}

variable "service_accounts" {
  description = "Basic-auth users to create in this registry (promoters, readers, pipeline runners)."
  type        = list(string)
  default     = []
}

variable "protect" {
  description = "Refuse to destroy the registry's artifact bucket while it holds artifacts."
  type        = bool
  default     = false
}
