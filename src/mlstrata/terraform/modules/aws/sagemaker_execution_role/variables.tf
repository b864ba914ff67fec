variable "name" {
  description = "Endpoint name: the start of the role's name and the log group it writes."
  type        = string
}

variable "registry_bucket_arns" {
  description = "Model registry bucket(s) of the stage the endpoint serves from (read only)."
  type        = list(string)

  validation {
    condition     = length(var.registry_bucket_arns) > 0
    error_message = "registry_bucket_arns needs the registry bucket the model versions are read from."
  }
}

variable "kms_key_arns" {
  description = "KMS keys the model artifacts are encrypted with (decrypt only)."
  type        = list(string)
  default     = []
}

variable "model_package_group_arns" {
  description = "SageMaker model package groups of the stage (described, never changed)."
  type        = list(string)
  default     = []
}

variable "volume_kms_key_arn" {
  description = "KMS key of the instances' ML storage volumes; null when the endpoint has none."
  type        = string
  default     = null
}

variable "output_s3_prefix_arn" {
  description = "Asynchronous inference: ARN of the S3 prefix results and failures are written under; null otherwise."
  type        = string
  default     = null
}

variable "output_kms_key_arn" {
  description = "Asynchronous inference: KMS key of the output bucket."
  type        = string
  default     = null
}

variable "notification_topic_arns" {
  description = "Asynchronous inference: SNS topics the endpoint publishes success and error notifications to."
  type        = list(string)
  default     = []
}

variable "notification_kms_key_arn" {
  description = "Asynchronous inference: KMS key of the notification topics."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags of the role."
  type        = map(string)
  default     = {}
}
