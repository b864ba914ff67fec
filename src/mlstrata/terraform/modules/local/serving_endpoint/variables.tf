variable "name" {
  description = "Endpoint name (its folder under the platform root)."
  type        = string
}

variable "registry_id" {
  description = "id of the model registry whose model versions the endpoint serves."
  type        = string
}

variable "model" {
  description = "Registered model served."
  type        = string
}

variable "alias" {
  description = "Registry alias selecting the version; empty: the newest version."
  type        = string
  default     = ""
}
