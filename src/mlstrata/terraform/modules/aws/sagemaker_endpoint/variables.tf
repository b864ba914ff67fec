variable "name" {
  description = "Endpoint name (also the start of its configuration's and role's names)."
  type        = string

  # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpoint.html#sagemaker-CreateEndpoint-request-EndpointName
  validation {
    condition     = can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$", var.name))
    error_message = "name must be at most 63 letters, digits and hyphens, starting and ending with a letter or digit."
  }
}

variable "instance_type" {
  description = "SageMaker hosting instance type, e.g. ml.g6e.xlarge."
  type        = string

  validation {
    condition     = startswith(var.instance_type, "ml.")
    error_message = "instance_type must be a SageMaker instance type such as ml.g6e.xlarge."
  }
}

variable "variant_name" {
  description = "Name of the production variant the release layer's inference components are placed on."
  type        = string
  default     = "AllTraffic"
}

variable "min_instances" {
  description = "Fewest instances managed instance scaling keeps (0: an idle endpoint releases them all)."
  type        = number

  validation {
    condition     = var.min_instances >= 0 && floor(var.min_instances) == var.min_instances
    error_message = "min_instances must be a whole number of at least 0."
  }
}

variable "max_instances" {
  description = "Most instances managed instance scaling starts: the cost ceiling of this endpoint."
  type        = number

  validation {
    condition     = var.max_instances >= 1 && floor(var.max_instances) == var.max_instances
    error_message = "max_instances must be a whole number of at least 1."
  }
}

variable "registry_bucket_arns" {
  description = "Model registry bucket(s) of the stage this endpoint serves from (read only)."
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

variable "kms_key_arn" {
  description = "KMS key for the instances' ML storage volumes; null for instance types with local NVMe storage, which reject one."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags of every resource."
  type        = map(string)
  default     = {}
}
