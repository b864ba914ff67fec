output "namespace" {
  description = "Namespace of the GPU add-ons."
  value       = helm_release.nvidia_device_plugin.namespace
}
