variable "name" {
  description = "Prefix of the workspace, registry and their companions (<platform>-<env>)."
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

variable "resource_group_id" {
  description = "Resource id of the environment's resource group (parent of the registry)."
  type        = string
}

variable "container_registry_name" {
  description = "Container registry name: globally unique, 5-50 letters and digits."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9]{5,50}$", var.container_registry_name))
    error_message = "container_registry_name must be 5-50 letters and digits."
  }
}

variable "key_vault_id" {
  description = "The environment's Key Vault (the workspace stores connection secrets there)."
  type        = string
}

variable "storage_account_id" {
  description = "Storage account of the workspace (shared-key access off; CMK-encrypted)."
  type        = string
}

variable "log_analytics_workspace_id" {
  description = "Log Analytics workspace backing Application Insights."
  type        = string
}

variable "private_endpoint_subnet_id" {
  description = "Subnet of the private endpoints."
  type        = string
}

variable "private_dns_zone_ids" {
  description = "Private DNS zone ids by kind (azureml_api, azureml_nb, acr) from the network module."
  type        = map(string)
}

variable "promoter_principal_ids" {
  description = "Entra object ids that may register/promote models into this stage (AzureML Registry User)."
  type        = list(string)
  default     = []
}

variable "reader_principal_ids" {
  description = "Entra object ids that may read the stage's registry."
  type        = list(string)
  default     = []
}

variable "acr_pull_principals" {
  description = "Principals that pull images from the container registry, by a name fixed at render time (e.g. { kubelet = <the AKS kubelet identity's object id> }): the ids may be created in the same apply, the names must be known when planning."
  type        = map(string)
  default     = {}
}

variable "protect" {
  description = "Protected environment: high business impact workspace (less diagnostic data collected)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags on every resource."
  type        = map(string)
  default     = {}
}
