variable "name" {
  description = "Name of the user-assigned identity (<platform>-<env>-pipeline-runner)."
  type        = string
}

variable "location" {
  description = "Azure region."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group of the environment."
  type        = string
}

variable "oidc_issuer_url" {
  description = "OIDC issuer URL of the AKS cluster."
  type        = string
}

variable "namespace" {
  description = "Kubernetes namespace of the pipeline runner."
  type        = string
}

variable "service_account" {
  description = "Kubernetes service account the pipelines run as (annotate it with the identity's client id)."
  type        = string
}

variable "role_assignments" {
  description = "Grants of the identity by name: {scope = resource id, role = built-in role name}."
  type = map(object({
    scope = string
    role  = string
  }))
  default = {}

  validation {
    condition     = alltrue([for a in values(var.role_assignments) : !contains(["Owner", "Contributor", "User Access Administrator"], a.role)])
    error_message = "The pipeline identity gets data roles on named resources, never Owner, Contributor or User Access Administrator."
  }
}

variable "tags" {
  description = "Tags on the identity."
  type        = map(string)
  default     = {}
}
