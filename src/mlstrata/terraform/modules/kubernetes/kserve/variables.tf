variable "namespace" {
  description = "Namespace of the KServe controller."
  type        = string
  default     = "kserve"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.namespace))
    error_message = "namespace must be a valid Kubernetes namespace name (RFC 1123 label)."
  }
}

variable "classes" {
  description = "Serving classes by name: namespace, service account, quota (GPUs, pods), scaling bounds and the placement of the class's GPU pool (node selector, tolerations)."
  type = map(object({
    namespace       = string
    service_account = string
    gpu_quota       = number
    pod_quota       = number
    min_replicas    = number
    max_replicas    = number
    scale_to_zero   = bool
    node_selector   = map(string)
    tolerations = list(object({
      key      = string
      operator = string
      value    = string
      effect   = string
    }))
  }))
  default = {}

  validation {
    condition     = alltrue([for c in values(var.classes) : can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", c.namespace))])
    error_message = "each class's namespace must be a valid Kubernetes namespace name (RFC 1123 label)."
  }

  validation {
    condition     = alltrue([for c in values(var.classes) : c.gpu_quota >= 0 && c.pod_quota >= 1])
    error_message = "gpu_quota must be >= 0 and pod_quota >= 1."
  }

  validation {
    condition     = var.knative || alltrue([for c in values(var.classes) : !c.scale_to_zero])
    error_message = "A class with scale_to_zero needs knative = true: KServe's Standard mode cannot scale to zero."
  }
}

variable "knative" {
  description = "Install Knative Serving (Knative Operator, KnativeServing with Kourier) so that classes with scale_to_zero run in KServe's Knative mode."
  type        = bool
  default     = false
}

variable "knative_operator_chart_version" {
  description = "Pinned knative-operator chart version (https://knative.github.io/operator)."
  type        = string
  default     = "v1.20.0"
}

variable "knative_serving_version" {
  description = "Knative Serving version the operator installs (KnativeServing spec.version; an operator serves its own and the previous minor versions)."
  type        = string
  default     = "1.20"
}

variable "service_account_annotations" {
  description = "Per class, the annotations binding its service account to a cloud identity (eks.amazonaws.com/role-arn ...); apart from classes so that values known only at apply stay out of the class objects."
  type        = map(map(string))
  default     = {}
}

variable "node_selector" {
  description = "Node selector of the controllers (cert-manager, KServe): the system pool."
  type        = map(string)
  default     = {}
}

variable "cert_manager_chart_version" {
  description = "Pinned jetstack cert-manager chart version."
  type        = string
  default     = "v1.17.0"
}

variable "kserve_chart_version" {
  description = "Pinned version of KServe's charts (kserve-crd, kserve-resources, kserve-runtime-configs)."
  type        = string
  default     = "v0.20.0"
}

variable "tags" {
  description = "Accepted like every mlstrata module's tags; unused here because Helm releases are not cloud resources."
  type        = map(string)
  default     = {}
}
