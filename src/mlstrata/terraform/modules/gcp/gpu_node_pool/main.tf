locals {
  autoscaled = var.node_count_owner == "autoscaler"
  reserved   = var.reservation_affinity == "SPECIFIC"
}

resource "google_container_node_pool" "this" {
  project        = var.project_id
  name           = var.name
  cluster        = var.cluster_id
  location       = var.location
  node_locations = var.node_locations

  # Who owns the node count is explicit (the `desired` of the spec):
  # - "terraform": node_count (per zone) is applied on every run, no autoscaling block;
  # - "autoscaler": node_count stays unset, so Terraform never scales the pool back; the cluster
  #   autoscaler moves it between total_min_node_count and total_max_node_count (totals over all
  #   zones), and initial_node_count (per zone) only seeds it.
  node_count         = local.autoscaled ? null : var.node_count_per_zone
  initial_node_count = local.autoscaled ? var.initial_node_count_per_zone : null

  dynamic "autoscaling" {
    for_each = local.autoscaled ? [1] : []

    content {
      total_min_node_count = var.total_min_node_count
      total_max_node_count = var.total_max_node_count
      location_policy      = var.location_policy
    }
  }

  # Dynamic Workload Scheduler: nodes come only through ProvisioningRequests, all at once
  # (https://cloud.google.com/kubernetes-engine/docs/how-to/provisioningrequest).
  dynamic "queued_provisioning" {
    for_each = var.queued_provisioning ? [1] : []

    content {
      enabled = true
    }
  }

  management {
    # Queued-provisioning nodes are not repaired: a repaired node would leave its atomic group.
    auto_repair  = var.queued_provisioning ? false : true
    auto_upgrade = true
  }

  # GPU quota is usually exhausted by the pool itself: upgrade in place, one node at a time.
  upgrade_settings {
    max_surge       = 0
    max_unavailable = var.max_unavailable
    strategy        = "SURGE"
  }

  node_config {
    machine_type      = var.machine_type
    image_type        = "COS_CONTAINERD"
    disk_size_gb      = var.disk_size_gb
    disk_type         = "pd-ssd"
    boot_disk_kms_key = var.boot_disk_kms_key_id
    service_account   = var.service_account_email
    oauth_scopes      = ["https://www.googleapis.com/auth/cloud-platform"]
    spot              = var.spot
    flex_start        = var.flex_start ? true : null
    labels            = var.labels
    resource_labels   = var.resource_labels
    metadata = {
      disable-legacy-endpoints = "true"
    }

    guest_accelerator {
      type               = var.accelerator_type
      count              = var.accelerator_count
      gpu_partition_size = var.gpu_partition_size

      # GKE installs the NVIDIA driver itself; no driver DaemonSet needed. Changing the version
      # replaces the pool (https://github.com/hashicorp/terraform-provider-google/issues/23248).
      gpu_driver_installation_config {
        gpu_driver_version = var.gpu_driver_version
      }

      dynamic "gpu_sharing_config" {
        for_each = var.gpu_sharing_strategy == null ? [] : [1]

        content {
          gpu_sharing_strategy       = var.gpu_sharing_strategy
          max_shared_clients_per_gpu = var.max_shared_clients_per_gpu
        }
      }
    }

    reservation_affinity {
      consume_reservation_type = var.reservation_affinity
      key                      = local.reserved ? "compute.googleapis.com/reservation-name" : null
      values                   = local.reserved ? [var.reservation_name] : null
    }

    dynamic "taint" {
      for_each = var.taints

      content {
        key    = taint.value.key
        value  = taint.value.value
        effect = taint.value.effect
      }
    }

    shielded_instance_config {
      enable_secure_boot          = true
      enable_integrity_monitoring = true
    }

    workload_metadata_config {
      mode = "GKE_METADATA"
    }
  }
}
