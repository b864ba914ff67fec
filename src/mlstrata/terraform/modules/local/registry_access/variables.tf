variable "registry_id" {
  description = "The registry (from the base layer's model_registry)."
  type        = string
}

variable "model_names" {
  description = "Registered models whose grants this module owns."
  type        = list(string)
}

variable "grants" {
  description = "Service account -> permission on every listed model (READ, EDIT or MANAGE)."
  type        = map(string)

  validation {
    condition     = alltrue([for p in values(var.grants) : contains(["READ", "EDIT", "MANAGE"], p)])
    error_message = "A grant is READ, EDIT or MANAGE."
  }
}
