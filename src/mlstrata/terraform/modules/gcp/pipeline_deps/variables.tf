variable "project_id" {
  description = "Project of the service account."
  type        = string
}

variable "name" {
  description = "Service account id (6-30 characters)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][-a-z0-9]{4,28}[a-z0-9]$", substr(var.name, 0, 30)))
    error_message = "name must start with a letter and hold lower-case letters, digits and hyphens."
  }
}

variable "workload_pool" {
  description = "Workload Identity pool of the cluster (<project>.svc.id.goog)."
  type        = string
}

variable "namespace" {
  description = "Kubernetes namespace of the pipeline runner."
  type        = string
}

variable "kubernetes_service_account" {
  description = "Kubernetes service account of the pipeline runner."
  type        = string
}

variable "artifact_bucket_names" {
  description = "Buckets the runner reads and writes objects in."
  type        = list(string)
  default     = []
}

variable "read_only_bucket_names" {
  description = "Buckets the identity only reads objects from (a serving class's registry stage)."
  type        = list(string)
  default     = []
}

variable "purpose" {
  description = "What the identity runs, shown in its display name."
  type        = string
  default     = "Pipeline runner"
}

variable "topic_ids" {
  description = "Pub/Sub topics the runner publishes to, keyed by a stable label (ids are computed on a first apply)."
  type        = map(string)
  default     = {}
}

variable "subscription_ids" {
  description = "Pub/Sub subscriptions the runner pulls from, keyed by a stable label."
  type        = map(string)
  default     = {}
}

variable "secret_ids" {
  description = "Secret Manager secrets the runner reads (database passwords), keyed by a stable label."
  type        = map(string)
  default     = {}
}

variable "database_instance_names" {
  description = "Cloud SQL instances the runner connects to (Cloud SQL Auth Proxy)."
  type        = list(string)
  default     = []
}
