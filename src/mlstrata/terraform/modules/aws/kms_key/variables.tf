variable "description" {
  description = "What the key protects; shown in the KMS console."
  type        = string

  validation {
    condition     = length(var.description) > 0 && length(var.description) <= 8192
    error_message = "description must be 1 to 8192 characters."
  }
}

variable "alias" {
  description = "Alias name without the \"alias/\" prefix, e.g. \"mlstrata-prod-artifacts\"."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9/_-]{1,250}$", var.alias)) && !startswith(var.alias, "alias/") && !startswith(var.alias, "aws/")
    error_message = "alias must match [a-zA-Z0-9/_-]{1,250}, without the \"alias/\" prefix, and must not start with \"aws/\" (reserved for AWS managed keys)."
  }
}

variable "deletion_window_in_days" {
  description = "Waiting period between scheduling deletion and the key being deleted."
  type        = number
  default     = 30

  validation {
    condition     = var.deletion_window_in_days >= 7 && var.deletion_window_in_days <= 30
    error_message = "deletion_window_in_days must be between 7 and 30."
  }
}

variable "protect" {
  description = "Deny kms:ScheduleKeyDeletion and kms:DisableKey to everyone in the key policy (cloud-side deletion protection)."
  type        = bool
}

variable "service_principals" {
  description = "AWS service principals allowed to use the key for encryption, e.g. \"logs.eu-west-1.amazonaws.com\"."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for p in var.service_principals : endswith(p, ".amazonaws.com")])
    error_message = "service_principals must be AWS service principals ending in \".amazonaws.com\"."
  }
}

variable "user_principal_arns" {
  description = "IAM role or user ARNs allowed to use the key (encrypt/decrypt, grants for AWS resources)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.user_principal_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/", a))])
    error_message = "user_principal_arns must be IAM role or user ARNs (arn:aws:iam::<account>:role/... or :user/...)."
  }
}

variable "tags" {
  description = "Tags applied to the key."
  type        = map(string)
  default     = {}
}

variable "allow_ebs_autoscaling" {
  description = "Let the EC2 Auto Scaling service-linked role use the key for EBS volumes (launch templates with encrypted volumes, EKS node groups); creates that role when the account has none."
  type        = bool
  default     = false
}

variable "allow_cloudwatch_logs" {
  description = "Let CloudWatch Logs of this region use the key, only for log groups of this account (encryption-context condition)."
  type        = bool
  default     = false
}

variable "decrypt_principal_arns" {
  description = "IAM role/user ARNs, possibly in other accounts, that may decrypt with the key (readers of encrypted artifacts)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.decrypt_principal_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/", a))])
    error_message = "decrypt_principal_arns must be IAM role or user ARNs."
  }
}

variable "policy_documents" {
  description = "The caller's own key policy statements as IAM policy documents (JSON); their sids must be unique."
  type        = list(string)
  default     = []
}

variable "s3_bucket_principals" {
  description = "Per S3 bucket whose default encryption is this key (by bucket name): principals, in any account, that read its objects (decrypt) or write them (also encrypt), through S3 and for that bucket only. Another account's principals need this grant: their own IAM policies cannot give them this key."
  type = list(object({
    bucket  = string
    readers = list(string)
    writers = list(string)
  }))
  default = []

  validation {
    condition     = alltrue([for g in var.s3_bucket_principals : alltrue([for a in concat(g.readers, g.writers) : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/", a))])])
    error_message = "s3_bucket_principals readers and writers must be IAM role or user ARNs."
  }
}
