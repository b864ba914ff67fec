variable "create" {
  description = "Whether to create anything."
  type        = bool
  default     = true
}

variable "name" {
  description = "Name prefix of every resource."
  type        = string
}

variable "node_groups" {
  description = "Managed node groups, by name."
  type        = any
  default     = {}
}

variable "artifact_bucket_sse" {
  description = "Server-side encryption of the artifact bucket (aws:kms or AES256)."
  type        = string
  default     = "aws:kms"
}

variable "tags" {
  type    = map(string)
  default = {}
}
