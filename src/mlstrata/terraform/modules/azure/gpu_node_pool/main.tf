locals {
  spot = var.priority == "Spot"
  # AKS adds this taint and label to every Spot pool. Declaring them keeps plans clean: without them
  # the provider sees a difference on every plan (hashicorp/terraform-provider-azurerm#25615).
  spot_taints = local.spot ? ["kubernetes.azure.com/scalesetpriority=spot:NoSchedule"] : []
  spot_labels = local.spot ? { "kubernetes.azure.com/scalesetpriority" = "spot" } : {}
  taints      = distinct(concat([for t in var.taints : "${t.key}=${t.value}:${t.effect}"], local.spot_taints))
  labels      = merge(var.labels, local.spot_labels)
}

# lifecycle.ignore_changes cannot be conditional, so the two ownership modes of the node count are
# two resources, exactly one of which exists.
resource "azurerm_kubernetes_cluster_node_pool" "terraform_owned" {
  count = var.node_count_owner == "terraform" ? 1 : 0

  name                  = var.name
  kubernetes_cluster_id = var.cluster_id
  mode                  = "User"
  vm_size               = var.vm_size
  vnet_subnet_id        = var.subnet_id
  zones                 = var.zones
  os_sku                = var.os_sku
  os_disk_type          = "Managed"
  os_disk_size_gb       = var.os_disk_size_gb
  max_pods              = 110
  # Temp disks and OS disk caches encrypted on the VM host (the OS disk itself uses the cluster's disk
  # encryption set); set at pool creation only, so changing it recreates the pool.
  host_encryption_enabled = var.host_encryption

  # Terraform owns the count: AKS's autoscaler stays off, or it and every apply would move the count back
  # and forth (Azure/terraform-azurerm-aks#91); the provider refuses min_count/max_count without it.
  auto_scaling_enabled = false
  node_count           = var.node_count

  node_taints = local.taints
  node_labels = local.labels

  priority        = var.priority
  eviction_policy = local.spot ? "Delete" : null
  spot_max_price  = local.spot ? var.spot_max_price : null

  # Explicit on purpose: azurerm >= 4.40 stores "Install" for GPU sizes, and a pool created without it
  # would be replaced (hashicorp/terraform-provider-azurerm#30990). Changing it recreates the pool.
  gpu_driver                    = var.gpu_driver
  gpu_instance                  = var.gpu_instance
  capacity_reservation_group_id = var.capacity_reservation_group_id
  # A vm_size change rotates the pool through this temporary pool; nodes are replaced without a
  # cordon/drain of the workloads on them (mlstrata review flags it).
  temporary_name_for_rotation = var.temporary_name_for_rotation

  dynamic "upgrade_settings" {
    # Spot pools do not support surge upgrades.
    for_each = local.spot ? [] : [1]
    content {
      max_surge                     = "${var.max_surge_percentage}%"
      drain_timeout_in_minutes      = 60
      node_soak_duration_in_minutes = 0
    }
  }

  tags = var.tags
}

resource "azurerm_kubernetes_cluster_node_pool" "autoscaler_owned" {
  count = var.node_count_owner == "autoscaler" ? 1 : 0

  name                  = var.name
  kubernetes_cluster_id = var.cluster_id
  mode                  = "User"
  vm_size               = var.vm_size
  vnet_subnet_id        = var.subnet_id
  zones                 = var.zones
  os_sku                = var.os_sku
  os_disk_type          = "Managed"
  os_disk_size_gb       = var.os_disk_size_gb
  max_pods              = 110
  # Temp disks and OS disk caches encrypted on the VM host (the OS disk itself uses the cluster's disk
  # encryption set); set at pool creation only, so changing it recreates the pool.
  host_encryption_enabled = var.host_encryption

  auto_scaling_enabled = true
  min_count            = var.min_count
  max_count            = var.max_count
  node_count           = var.node_count

  node_taints = local.taints
  node_labels = local.labels

  priority        = var.priority
  eviction_policy = local.spot ? "Delete" : null
  spot_max_price  = local.spot ? var.spot_max_price : null

  gpu_driver                    = var.gpu_driver
  gpu_instance                  = var.gpu_instance
  capacity_reservation_group_id = var.capacity_reservation_group_id
  temporary_name_for_rotation   = var.temporary_name_for_rotation

  dynamic "upgrade_settings" {
    for_each = local.spot ? [] : [1]
    content {
      max_surge                     = "${var.max_surge_percentage}%"
      drain_timeout_in_minutes      = 60
      node_soak_duration_in_minutes = 0
    }
  }

  tags = var.tags

  lifecycle {
    # The cluster autoscaler owns the node count; Terraform set it once, at creation.
    ignore_changes = [node_count]
  }
}
