variable "name" {
  description = "Prefix of the Azure Monitor resources (<platform>-<env>)."
  type        = string
}

variable "location" {
  description = "Azure region."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group of the environment."
  type        = string
}

variable "cluster_id" {
  description = "AKS cluster whose metrics managed Prometheus collects."
  type        = string
}

variable "prometheus_mode" {
  description = "\"managed\" (Azure Monitor managed Prometheus) or \"kube_prometheus_stack\" (in-cluster Helm chart)."
  type        = string

  validation {
    condition     = contains(["managed", "kube_prometheus_stack"], var.prometheus_mode)
    error_message = "prometheus_mode must be managed or kube_prometheus_stack."
  }
}

variable "prometheus" {
  description = "Collect Prometheus metrics."
  type        = bool
  default     = true
}

variable "grafana" {
  description = "Install Grafana (kube_prometheus_stack mode)."
  type        = bool
  default     = true
}

variable "dcgm_exporter" {
  description = "Install NVIDIA's DCGM exporter on GPU nodes."
  type        = bool
  default     = true
}

variable "prometheus_retention" {
  description = "Retention of the in-cluster Prometheus (kube_prometheus_stack mode), e.g. \"15d\"."
  type        = string
  default     = "15d"
}

variable "grafana_admin_secret_name" {
  description = "Existing Kubernetes secret with Grafana's admin credentials (admin-user, admin-password)."
  type        = string
  default     = null
}

variable "namespace" {
  description = "Namespace of the monitoring stack."
  type        = string
  default     = "monitoring"
}

variable "toleration_keys" {
  description = "Taint keys of the GPU pools (the exporter runs on every GPU node)."
  type        = list(string)
  default     = ["nvidia.com/gpu"]
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

variable "tags" {
  description = "Tags on the Azure Monitor resources."
  type        = map(string)
  default     = {}
}
