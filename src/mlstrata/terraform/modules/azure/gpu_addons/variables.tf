variable "namespace" {
  description = "Namespace of the GPU add-ons."
  type        = string
  default     = "gpu-operator"
}

variable "device_plugin_chart_version" {
  description = "Version of NVIDIA's nvidia-device-plugin chart."
  type        = string
  default     = "0.17.1"
}

variable "mig_strategy" {
  description = "none (whole GPUs) or single (every GPU of a node split into one MIG profile)."
  type        = string
  default     = "none"

  validation {
    condition     = contains(["none", "single", "mixed"], var.mig_strategy)
    error_message = "mig_strategy must be none, single or mixed."
  }
}

variable "toleration_keys" {
  description = "Taint keys of the GPU pools (the device plugin must run on every GPU node)."
  type        = list(string)
  default     = ["nvidia.com/gpu"]
}
