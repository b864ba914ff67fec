variable "namespace" {
  description = "Kubernetes namespace for the releases; created by Helm if missing."
  type        = string
  default     = "observability"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.namespace))
    error_message = "namespace must be a valid Kubernetes namespace name (RFC 1123 label)."
  }
}

variable "prometheus" {
  description = "Install Prometheus (with the Prometheus operator and Alertmanager) from kube-prometheus-stack."
  type        = bool
}

variable "grafana" {
  description = "Install Grafana from kube-prometheus-stack."
  type        = bool
}

variable "dcgm_exporter" {
  description = "Install NVIDIA DCGM exporter for GPU metrics."
  type        = bool
}

variable "prometheus_retention" {
  description = "How long Prometheus keeps samples, as a Prometheus duration (e.g. \"15d\")."
  type        = string
  default     = "15d"

  validation {
    condition     = can(regex("^[0-9]+(ms|s|m|h|d|w|y)$", var.prometheus_retention))
    error_message = "prometheus_retention must be a Prometheus duration such as \"15d\" or \"12h\"."
  }
}

variable "grafana_admin_secret_name" {
  description = "Name of an existing Kubernetes secret in the namespace with keys admin-user and admin-password (create it before this module runs); null lets the chart generate a random admin password in the cluster."
  type        = string
  default     = null

  validation {
    condition     = var.grafana_admin_secret_name == null || can(regex("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$", coalesce(var.grafana_admin_secret_name, "-")))
    error_message = "grafana_admin_secret_name must be a Kubernetes secret name (a password value is never accepted)."
  }
}

variable "kube_prometheus_stack_chart_version" {
  description = "Version of the kube-prometheus-stack chart; null uses the one pinned in monitoring_stack."
  type        = string
  default     = null
}

variable "dcgm_exporter_chart_version" {
  description = "Version of the dcgm-exporter chart; null uses the one pinned in monitoring_stack."
  type        = string
  default     = null
}

variable "dcgm_exporter_node_selector" {
  description = "Node selector for the DCGM exporter DaemonSet, e.g. the labels of the GPU node pools; {} runs it on every node it tolerates."
  type        = map(string)
  default     = {}
}

variable "tags" {
  description = "Accepted like every mlstrata module's tags; unused here because Helm releases are not AWS resources."
  type        = map(string)
  default     = {}
}
