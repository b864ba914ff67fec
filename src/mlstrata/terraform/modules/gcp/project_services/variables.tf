variable "project_id" {
  description = "Project whose APIs are enabled."
  type        = string
}

variable "services" {
  description = "Service names to enable, e.g. [\"container.googleapis.com\"]."
  type        = list(string)

  validation {
    condition     = alltrue([for s in var.services : endswith(s, ".googleapis.com")])
    error_message = "services must be API service names ending in .googleapis.com."
  }
}
