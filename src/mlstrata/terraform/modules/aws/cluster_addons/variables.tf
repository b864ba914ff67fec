variable "cluster_name" {
  description = "Name of the EKS cluster (cluster-autoscaler auto-discovery)."
  type        = string
}

variable "region" {
  description = "AWS region of the cluster."
  type        = string
}

variable "nvidia_device_plugin" {
  description = "Install the NVIDIA device plugin on nodes labelled device_plugin_node_label=true (AL2023 NVIDIA pools)."
  type        = bool
  default     = true
}

variable "device_plugin_node_label" {
  description = "Node label selecting the nodes that need the NVIDIA device plugin."
  type        = string
  default     = "mlstrata.dev/nvidia-device-plugin"
}

variable "cluster_autoscaler" {
  description = "Install cluster-autoscaler (its IAM role and Pod Identity association come from the eks_cluster module)."
  type        = bool
  default     = true
}

variable "efa_device_plugin" {
  description = "Install the AWS EFA device plugin on nodes labelled mlstrata.dev/efa=true."
  type        = bool
  default     = false
}

variable "nvidia_device_plugin_chart_version" {
  description = "Pinned version of the NVIDIA nvidia-device-plugin chart."
  type        = string
  default     = "0.17.1"
}

variable "cluster_autoscaler_chart_version" {
  description = "Pinned version of the cluster-autoscaler chart (its app version should match the cluster's Kubernetes minor)."
  type        = string
  default     = "9.46.6"
}

variable "cluster_autoscaler_image_tag" {
  description = "cluster-autoscaler image tag matching the cluster's Kubernetes minor (e.g. v1.33.0); null: the chart's appVersion (1.32.0 for chart 9.46.6)."
  type        = string
  default     = null
}

variable "efa_device_plugin_chart_version" {
  description = "Pinned version of the aws-efa-k8s-device-plugin chart (v0.5.30: plugin v0.5.20; its DaemonSet runs on the instance types its values list, p6-b300 included)."
  type        = string
  default     = "v0.5.30"
}

variable "tags" {
  description = "Accepted like every mlstrata module's tags; unused here because Helm releases are not AWS resources."
  type        = map(string)
  default     = {}
}
