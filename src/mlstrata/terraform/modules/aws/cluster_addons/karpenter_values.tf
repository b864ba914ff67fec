# The values of the local karpenter-node-pools chart, in its own file so tests can evaluate it with real
# Terraform and render the chart with them (tests/targets/test_karpenter.py).
locals {
  karpenter_node_pools_values = {
    clusterName = var.cluster_name
    nodeRole    = var.karpenter == null ? "" : var.karpenter.node_role_name
    kmsKeyId    = var.karpenter == null ? "" : var.karpenter.kms_key_arn
    nodePools = { for name, pool in var.karpenter_node_pools : name => {
      amiAlias               = pool.ami_alias
      instanceTypes          = pool.instance_types
      capacityTypes          = pool.capacity_types
      capacityReservationIds = pool.capacity_reservation_ids
      zoneIds                = pool.zone_ids
      diskSizeGb             = pool.disk_size_gb
      labels                 = pool.labels
      taints                 = pool.taints
      limits                 = pool.gpu_limit == null ? {} : { "nvidia.com/gpu" = pool.gpu_limit }
      tags                   = pool.tags
    } }
  }
}
