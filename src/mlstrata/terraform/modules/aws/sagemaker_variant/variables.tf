variable "name" {
  description = "Name of the endpoint the release layer creates (also the start of the role's and topics' names)."
  type        = string

  # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpoint.html#sagemaker-CreateEndpoint-request-EndpointName
  validation {
    condition     = can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$", var.name))
    error_message = "name must be at most 63 letters, digits and hyphens, starting and ending with a letter or digit."
  }
}

variable "kind" {
  description = "Production variant kind: real_time (instances), serverless (memory and concurrency) or async (queued requests, results in S3)."
  type        = string

  validation {
    condition     = contains(["real_time", "serverless", "async"], var.kind)
    error_message = "kind must be real_time, serverless or async."
  }
}

variable "variant_name" {
  description = "Name of the production variant the release creates."
  type        = string
  default     = "AllTraffic"
}

variable "instance_type" {
  description = "SageMaker hosting instance type (real_time and async), e.g. ml.g6e.xlarge; null for serverless."
  type        = string
  default     = null

  validation {
    condition     = var.instance_type == null || startswith(coalesce(var.instance_type, "ml."), "ml.")
    error_message = "instance_type must be a SageMaker instance type such as ml.g6e.xlarge."
  }
}

variable "min_instances" {
  description = "Fewest instances Application Auto Scaling keeps (0 only for async)."
  type        = number
  default     = 1

  validation {
    condition     = var.min_instances >= 0 && floor(var.min_instances) == var.min_instances
    error_message = "min_instances must be a whole number of at least 0."
  }
}

variable "max_instances" {
  description = "Most instances Application Auto Scaling starts: the cost ceiling of this endpoint."
  type        = number
  default     = 1

  validation {
    condition     = var.max_instances >= 1 && floor(var.max_instances) == var.max_instances
    error_message = "max_instances must be a whole number of at least 1."
  }
}

variable "scaling_metric" {
  description = "Signal the variant tracks: concurrency, gpu_utilization, cpu_utilization (real_time) or backlog (async); null for serverless."
  type        = string
  default     = null

  validation {
    condition     = var.scaling_metric == null || contains(["concurrency", "gpu_utilization", "cpu_utilization", "backlog"], coalesce(var.scaling_metric, "backlog"))
    error_message = "scaling_metric must be concurrency, gpu_utilization, cpu_utilization or backlog."
  }
}

variable "scaling_target" {
  description = "Target value of the tracked signal (requests per instance, summed utilisation percent, or backlog per instance)."
  type        = number
  default     = null
}

variable "memory_mb" {
  description = "Serverless: memory of the endpoint, 1024 to 6144 MB in 1 GB steps."
  type        = number
  default     = null

  # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariantServerlessConfig.html
  validation {
    condition     = var.memory_mb == null || contains([1024, 2048, 3072, 4096, 5120, 6144], coalesce(var.memory_mb, 1024))
    error_message = "memory_mb must be 1024, 2048, 3072, 4096, 5120 or 6144."
  }
}

variable "max_concurrency" {
  description = "Serverless: most concurrent invocations, 1 to 200."
  type        = number
  default     = null

  validation {
    condition     = var.max_concurrency == null || (coalesce(var.max_concurrency, 1) >= 1 && coalesce(var.max_concurrency, 1) <= 200)
    error_message = "max_concurrency must be between 1 and 200."
  }
}

variable "provisioned_concurrency" {
  description = "Serverless: concurrency kept warm, 1 to max_concurrency; null for none (cold starts)."
  type        = number
  default     = null

  validation {
    condition     = var.provisioned_concurrency == null || (coalesce(var.provisioned_concurrency, 1) >= 1 && coalesce(var.provisioned_concurrency, 1) <= coalesce(var.max_concurrency, 200))
    error_message = "provisioned_concurrency must be between 1 and max_concurrency."
  }
}

variable "max_concurrent_invocations" {
  description = "Async: requests an instance processes at once; null lets SageMaker choose."
  type        = number
  default     = null
}

variable "notifications" {
  description = "Async: publish each result and failure to an SNS topic."
  type        = bool
  default     = false
}

variable "output_bucket_arn" {
  description = "Async: artifact bucket the results and failures are written to, under serving/<name>/."
  type        = string
  default     = null

  validation {
    condition     = var.kind != "async" || var.output_bucket_arn != null
    error_message = "An async endpoint needs output_bucket_arn: the bucket its results are written to."
  }
}

variable "output_kms_key_arn" {
  description = "Async: KMS key the results are encrypted with."
  type        = string
  default     = null
}

variable "registry_bucket_arns" {
  description = "Model registry bucket(s) of the stage this endpoint serves from (read only)."
  type        = list(string)
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
  description = "KMS key of the instances' ML storage volumes; null for serverless and for instance types with local NVMe storage, which reject one."
  type        = string
  default     = null
}

variable "topic_kms_key_arn" {
  description = "Async with notifications: KMS key the SNS topics are encrypted with."
  type        = string
  default     = null

  validation {
    condition     = !var.notifications || var.topic_kms_key_arn != null
    error_message = "Notification topics need topic_kms_key_arn: they are encrypted with it."
  }
}

variable "tags" {
  description = "Tags of every resource."
  type        = map(string)
  default     = {}
}
