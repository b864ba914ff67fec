variable "name" {
  description = "Name tag of the group; its name is <name>- plus a unique suffix."
  type        = string
}

variable "description" {
  description = "Description of the group (changing it replaces the group)."
  type        = string
}

variable "rule_description" {
  description = "Description of each ingress rule."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the group."
  type        = string
}

variable "port" {
  description = "The one TCP port the service listens on."
  type        = number
}

variable "allowed_security_group_ids" {
  description = "Security groups whose members may connect to port."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags applied to the group and its rules."
  type        = map(string)
  default     = {}
}
