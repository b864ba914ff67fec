output "releases" {
  description = "Names of the Helm releases installed."
  value = concat(
    helm_release.nvidia_device_plugin[*].name,
    helm_release.cluster_autoscaler[*].name,
    helm_release.efa_device_plugin[*].name,
    helm_release.karpenter_crd[*].name,
    helm_release.karpenter[*].name,
    helm_release.karpenter_node_pools[*].name,
  )
}
