variable "name_prefix" {
  description = "Name prefix of the role (IAM appends a unique suffix); at most 38 characters."
  type        = string

  # IAM caps name_prefix at 38 characters; the provider refuses a longer one only at apply.
  validation {
    condition     = length(var.name_prefix) <= 38
    error_message = "name_prefix is longer than IAM's 38 characters: shorten the name it is built from."
  }
}

variable "description" {
  description = "Description of the role (which nodes assume it)."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags applied to the role."
  type        = map(string)
  default     = {}
}
