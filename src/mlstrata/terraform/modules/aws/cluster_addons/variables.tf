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

variable "karpenter" {
  description = "Install Karpenter (null: not installed). What the base layer's karpenter module created (interruption queue, node role), the key node volumes are encrypted with, and the controller's replicas."
  type = object({
    interruption_queue = string
    node_role_name     = string
    kms_key_arn        = string
    replicas           = number
  })
  default = null
}

variable "karpenter_chart_version" {
  description = "Pinned version of the karpenter and karpenter-crd charts (oci://public.ecr.aws/karpenter); Kubernetes 1.33 needs >= 1.5."
  type        = string
  default     = "1.8.1"
}

variable "karpenter_node_pools" {
  description = "Per GPU pool, its Karpenter EC2NodeClass and NodePool: instance types, capacity types (on-demand, spot, reserved), capacity reservation ids, AMI alias (al2023@latest, bottlerocket@latest), zone ids, data volume size, node labels and taints, GPU limit (null: none) and instance tags."
  type = map(object({
    instance_types           = list(string)
    capacity_types           = list(string)
    capacity_reservation_ids = list(string)
    ami_alias                = string
    zone_ids                 = list(string)
    disk_size_gb             = number
    labels                   = map(string)
    taints                   = list(object({ key = string, value = string, effect = string }))
    gpu_limit                = number
    tags                     = map(string)
  }))
  default = {}

  validation {
    condition = alltrue([for p in var.karpenter_node_pools : alltrue([
      for c in p.capacity_types : contains(["on-demand", "spot", "reserved"], c)
    ])])
    error_message = "capacity_types may hold on-demand, spot and reserved (Karpenter's karpenter.sh/capacity-type values)."
  }

  validation {
    condition     = alltrue([for p in var.karpenter_node_pools : !contains(p.capacity_types, "reserved") || length(p.capacity_reservation_ids) > 0])
    error_message = "A pool with capacity type reserved needs its capacity_reservation_ids."
  }
}
