variable "project_id" {
  description = "Project of this stage."
  type        = string
}

variable "region" {
  description = "Region of the Artifact Registry repository."
  type        = string
}

variable "name" {
  description = "Prefix of the repository and service account names (<platform>-<env>)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]([-a-z0-9]{0,40}[a-z0-9])?$", var.name))
    error_message = "name must be a lower-case name of at most 42 characters."
  }
}

variable "stage" {
  description = "Promotion stage this registry holds (an environment name)."
  type        = string
}

variable "promoter_members" {
  description = "IAM members allowed to push model images into this stage (the stage's promoters), keyed by a stable label."
  type        = map(string)
  default     = {}
}

variable "reader_members" {
  description = "IAM members allowed to pull model images (serving, GKE nodes), keyed by a stable label (members may be computed)."
  type        = map(string)
  default     = {}
}

variable "workload_pool" {
  description = "Workload Identity pool of the cluster (<project>.svc.id.goog)."
  type        = string
}

variable "namespace" {
  description = "Kubernetes namespace of the MLflow server."
  type        = string
  default     = "mlflow"
}

variable "kubernetes_service_account" {
  description = "Kubernetes service account of the MLflow server."
  type        = string
  default     = "mlflow"
}

variable "database_instance_name" {
  description = "Cloud SQL instance holding the registry metadata (the server may connect to it only)."
  type        = string
}

variable "labels" {
  description = "Labels on the repository."
  type        = map(string)
  default     = {}
}

variable "protect" {
  description = "lifecycle.prevent_destroy on the image repository (protected environments); fixed at creation (a later switch is a terraform state mv)."
  type        = bool
}

variable "server_service_account_id" {
  description = "Id of the MLflow server's service account; null: <name>-mlflow cut to 30 characters (collides with other ids of the project once name has 29 or more)."
  type        = string
  default     = null

  # Service account ids are 6-30 lower-case letters, digits and hyphens, starting with a letter and not ending
  # with a hyphen, and unique in the project (https://cloud.google.com/iam/docs/service-accounts-create).
  validation {
    condition     = var.server_service_account_id == null || can(regex("^[a-z][-a-z0-9]{4,28}[a-z0-9]$", var.server_service_account_id))
    error_message = "server_service_account_id must be 6-30 lower-case letters, digits and hyphens, starting with a letter and ending with a letter or digit."
  }
}
