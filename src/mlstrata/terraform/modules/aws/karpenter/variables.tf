variable "cluster_name" {
  description = "Name of the EKS cluster Karpenter provisions nodes for."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9_-]{0,99}$", var.cluster_name))
    error_message = "cluster_name must be an EKS cluster name (letters, digits, hyphens, underscores; max 100)."
  }
}

variable "cluster_security_group_id" {
  description = "The cluster security group EKS created; tagged karpenter.sh/discovery = cluster_name so EC2NodeClasses select it."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key encrypting the node volumes (EC2NodeClass blockDeviceMappings kmsKeyID); the controller may use it through EC2 only."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "namespace" {
  description = "Namespace of the Karpenter controller's service account (the Helm release's namespace)."
  type        = string
  default     = "kube-system"
}

variable "service_account" {
  description = "Name of the Karpenter controller's service account (the chart's default is the release name)."
  type        = string
  default     = "karpenter"
}

variable "tags" {
  description = "Tags on every resource of the module."
  type        = map(string)
  default     = {}
}
