variable "namespace" {
  description = "Kubernetes namespace of the controller and of the workflows it runs; created by Helm if missing."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.namespace))
    error_message = "namespace must be a valid Kubernetes namespace name (RFC 1123 label)."
  }
}

variable "service_account" {
  description = "Service account the workflows run as; the chart creates it with service_account_annotations."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$", var.service_account))
    error_message = "service_account must be a valid Kubernetes service account name (RFC 1123 subdomain)."
  }
}

variable "service_account_annotations" {
  description = "Annotations binding the workflow service account to its cloud identity (eks.amazonaws.com/role-arn, iam.gke.io/gcp-service-account, azure.workload.identity/client-id)."
  type        = map(string)
  default     = {}
}

variable "workflow_pod_labels" {
  description = "Labels on every workflow pod (azure.workload.identity/use = \"true\" on AKS)."
  type        = map(string)
  default     = {}
}

variable "artifact_repository" {
  description = "The chart's artifactRepository value: one of s3, gcs or azure, credentials from the workflow identity (useSDKCreds or Workload Identity); {} for none."
  type        = any
  default     = {}
}

variable "metadata_store_host" {
  description = "PostgreSQL host of the workflow archive (the pipeline metadata store); null for no archive."
  type        = string
  default     = null
}

variable "metadata_store_port" {
  description = "PostgreSQL port of the workflow archive."
  type        = number
  default     = 5432
}

variable "metadata_store_database" {
  description = "Database of the workflow archive."
  type        = string
  default     = "pipelines"
}

variable "metadata_store_credentials_secret" {
  description = "Kubernetes secret in namespace with keys username and password for the archive database; it must exist before the release (synced from the cloud secret store, e.g. by External Secrets)."
  type        = string
  default     = "argo-workflows-metadata-store"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$", var.metadata_store_credentials_secret))
    error_message = "metadata_store_credentials_secret must be a valid Kubernetes secret name."
  }
}

variable "node_selector" {
  description = "Node selector of the controller and server pods (the system pool); workflows choose their own nodes."
  type        = map(string)
  default     = {}
}

variable "chart_version" {
  description = "Pinned version of the argoproj/argo-helm argo-workflows chart (1.0.18 = Argo Workflows v4.0.6)."
  type        = string
  default     = "1.0.18"
}

variable "tags" {
  description = "Accepted like every mlstrata module's tags; unused here because Helm releases are not cloud resources."
  type        = map(string)
  default     = {}
}
