# Validated by the calling observability module (each cloud's interface); this module only installs.

variable "namespace" {
  description = "Kubernetes namespace of both releases; created by Helm if missing."
  type        = string
}

variable "kube_prometheus_stack" {
  description = "Install kube-prometheus-stack (false where a managed service collects the metrics)."
  type        = bool
}

variable "prometheus" {
  description = "Prometheus and Alertmanager in kube-prometheus-stack, and dcgm-exporter's ServiceMonitor."
  type        = bool
}

variable "grafana" {
  description = "Grafana in kube-prometheus-stack."
  type        = bool
}

variable "dcgm_exporter" {
  description = "Install NVIDIA's DCGM exporter for GPU metrics."
  type        = bool
}

variable "prometheus_retention" {
  description = "How long Prometheus keeps samples, as a Prometheus duration (e.g. \"15d\")."
  type        = string
}

variable "grafana_admin_secret_name" {
  description = "Existing Kubernetes secret in the namespace with keys admin-user and admin-password; null lets the chart generate a random admin password in the cluster."
  type        = string
  default     = null
}

# The one pin of each chart: callers pass null (their default) to use it.
variable "kube_prometheus_stack_chart_version" {
  description = "Pinned version of the prometheus-community kube-prometheus-stack chart; null uses this pin."
  type        = string
  default     = "80.4.1"
  nullable    = false
}

variable "dcgm_exporter_chart_version" {
  description = "Pinned version of the NVIDIA dcgm-exporter chart; null uses this pin."
  type        = string
  default     = "4.7.1"
  nullable    = false
}

variable "kube_prometheus_stack_values" {
  description = "Chart values the cloud adds at the top level (e.g. control-plane components a managed cluster does not expose)."
  type        = any
  default     = {}
}

variable "dcgm_exporter_values" {
  description = "Chart values placing the exporter on the cloud's GPU nodes (nodeSelector or affinity, tolerations, driver mounts)."
  type        = any
  default     = {}
}
