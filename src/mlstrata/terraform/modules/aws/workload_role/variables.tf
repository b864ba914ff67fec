variable "name" {
  description = "Name of the IAM role."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9+=,.@_-]{1,64}$", var.name))
    error_message = "name must be 1 to 64 characters from [a-zA-Z0-9+=,.@_-]."
  }
}

variable "purpose" {
  description = "What the role is for, the start of its description (e.g. \"Serving class fraud-api\")."
  type        = string
  default     = "Pipeline runner"
}

variable "oidc_provider_arn" {
  description = "ARN of the cluster's IAM OIDC provider (eks_cluster output oidc_provider_arn)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/", var.oidc_provider_arn))
    error_message = "oidc_provider_arn must be an IAM OIDC provider ARN."
  }
}

variable "oidc_issuer" {
  description = "OIDC issuer host/path without \"https://\" (eks_cluster output oidc_issuer)."
  type        = string

  validation {
    condition     = !startswith(var.oidc_issuer, "https://") && length(var.oidc_issuer) > 0
    error_message = "oidc_issuer must be the issuer without the \"https://\" scheme, e.g. oidc.eks.eu-west-1.amazonaws.com/id/ABC."
  }
}

variable "namespace" {
  description = "Kubernetes namespace of the pipeline runner's service account."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.namespace))
    error_message = "namespace must be a valid Kubernetes namespace name (RFC 1123 label)."
  }
}

variable "service_account" {
  description = "Name of the pipeline runner's Kubernetes service account."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$", var.service_account))
    error_message = "service_account must be a valid Kubernetes service account name (RFC 1123 subdomain)."
  }
}

variable "artifact_bucket_arns" {
  description = "ARNs of S3 buckets the runner reads and writes objects in."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.artifact_bucket_arns : can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9.-]+$", a))])
    error_message = "artifact_bucket_arns must be S3 bucket ARNs (arn:aws:s3:::<bucket>), without a key path."
  }
}

variable "read_only_bucket_arns" {
  description = "ARNs of S3 buckets the runner may only read objects from (e.g. a model registry stage it does not promote into)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.read_only_bucket_arns : can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9.-]+$", a))])
    error_message = "read_only_bucket_arns must be S3 bucket ARNs (arn:aws:s3:::<bucket>), without a key path."
  }
}

variable "sagemaker_execution" {
  description = "Let SageMaker (pipelines, training and processing jobs of this account) assume the role as its execution role."
  type        = bool
  default     = false
}

variable "queue_arns" {
  description = "ARNs of SQS queues the runner sends to and receives from."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.queue_arns : can(regex("^arn:aws[a-z-]*:sqs:", a))])
    error_message = "queue_arns must be SQS queue ARNs."
  }
}

variable "secret_arns" {
  description = "ARNs of Secrets Manager secrets the runner may read (e.g. metadata_store_master_user_secret_arn)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.secret_arns : can(regex("^arn:aws[a-z-]*:secretsmanager:", a))])
    error_message = "secret_arns must be Secrets Manager secret ARNs."
  }
}

variable "model_package_group_arns" {
  description = "ARNs of SageMaker model package groups the runner registers and reads model versions in."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.model_package_group_arns : can(regex("^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:[0-9]{12}:model-package-group/", a))])
    error_message = "model_package_group_arns must be SageMaker model package group ARNs."
  }
}

variable "kms_key_arns" {
  description = "ARNs of KMS keys protecting the resources above (buckets, queues, secrets)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.kms_key_arns : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/", a))])
    error_message = "kms_key_arns must be KMS key ARNs (not aliases)."
  }
}

variable "dynamodb_table_prefixes" {
  description = "Name prefixes of DynamoDB tables in this account and region the role creates, reads and writes items in (Feast online store: \"<project>.\")."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for p in var.dynamodb_table_prefixes : can(regex("^[A-Za-z0-9_.-]{1,200}$", p))])
    error_message = "dynamodb_table_prefixes must be DynamoDB table name prefixes (letters, digits, _ . -)."
  }
}

variable "elasticache_connect_arns" {
  description = "ARNs of ElastiCache replication groups and users the role connects to with IAM authentication."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.elasticache_connect_arns : can(regex("^arn:aws[a-z-]*:elasticache:", a))])
    error_message = "elasticache_connect_arns must be ElastiCache ARNs."
  }
}

variable "tags" {
  description = "Tags applied to the role."
  type        = map(string)
  default     = {}
}
