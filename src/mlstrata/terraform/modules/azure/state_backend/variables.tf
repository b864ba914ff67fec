variable "resource_group_name" {
  description = "Resource group of the state storage account."
  type        = string
}

variable "location" {
  description = "Azure region of the state storage account."
  type        = string
}

variable "storage_account_name" {
  description = "State storage account: globally unique, 3-24 lower-case letters and digits."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]{3,24}$", var.storage_account_name))
    error_message = "storage_account_name must be 3-24 lower-case letters and digits."
  }
}

variable "container_name" {
  description = "Blob container holding the state blobs."
  type        = string
  default     = "tfstate"
}

variable "allowed_ip_ranges" {
  description = "Public IPv4 addresses or CIDRs (CI runner egress) allowed to reach the account; empty allows any network (Entra ID still required)."
  type        = list(string)
  default     = []
  # Storage refuses /31 ranges and private (RFC 1918) ranges in IP rules
  # (https://learn.microsoft.com/azure/storage/common/storage-network-security, hashicorp/terraform-provider-azurerm#20870).
  validation {
    condition = alltrue([for range in var.allowed_ip_ranges : !endswith(range, "/31") && !anytrue([
      for private in ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] :
      cidrsubnet(private, 0, 0) == cidrsubnet("${split("/", range)[0]}/${split("/", private)[1]}", 0, 0)
    ])])
    error_message = "allowed_ip_ranges: storage IP rules take public IPv4 addresses or ranges up to /30; write a /31 as its two addresses, and reach the account from private networks through a virtual network rule."
  }
}

variable "state_writer_principal_ids" {
  description = "Entra object ids of the identities that run Terraform (Storage Blob Data Contributor on the container)."
  type        = list(string)
  default     = []
}

variable "noncurrent_version_retention_days" {
  description = "Keep earlier state versions this many days."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Tags on every resource."
  type        = map(string)
  default     = {}
}

variable "network_rule_writer_principal_ids" {
  description = "Object ids of the CI identities that add their protected environment's runner subnet to this account's virtual network rules (the subnet only exists once the pipeline created the runner); empty: none."
  type        = list(string)
  default     = []
}
