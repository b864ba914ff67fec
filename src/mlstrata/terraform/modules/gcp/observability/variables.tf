variable "prometheus" {
  description = "Install Prometheus (kube-prometheus-stack); false when Google Managed Prometheus collects metrics."
  type        = bool
}

variable "grafana" {
  description = "Install Grafana."
  type        = bool
}

variable "dcgm_exporter" {
  description = "Install NVIDIA's DCGM exporter for GPU metrics (not needed with GKE's managed DCGM metrics)."
  type        = bool
}

variable "prometheus_retention" {
  description = "How long Prometheus keeps samples, e.g. 15d."
  type        = string
  default     = "15d"

  validation {
    condition     = can(regex("^[0-9]+[dhw]$", var.prometheus_retention))
    error_message = "prometheus_retention must look like 15d, 48h or 2w."
  }
}

variable "grafana_admin_secret_name" {
  description = "Existing Kubernetes secret (admin-user, admin-password) for Grafana's admin."
  type        = string
  default     = null

  validation {
    condition     = !var.grafana || var.grafana_admin_secret_name != null
    error_message = "grafana needs grafana_admin_secret_name: passwords never go into Terraform."
  }
}

variable "namespace" {
  description = "Namespace of the monitoring stack."
  type        = string
  default     = "monitoring"
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
