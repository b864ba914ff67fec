locals {
  autoscaled = var.node_count_owner == "autoscaler"
  reserved   = var.reservation_affinity == "SPECIFIC"
}

# TPU machine types are offered in one or two zones of a region (https://cloud.google.com/tpu/docs/regions-zones;
# v5e in us-central1 only in us-central1-a), and a pool in a zone without its type is refused like a GPU pool
# (https://github.com/GoogleCloudPlatform/kubernetes-engine-samples/issues/1738). The slice runs in the first of
# `zones` that offers machine_type, asked of the Compute API per zone; count is zone_count, known when planning.
# The same look-up as in modules/gpu_node_pool (one data source with count = zone_count), on purpose not a shared child
# module: the two modules use it differently (a GPU pool keeps every offering zone, a TPU slice takes the first),
# a module of one data source would only move these five lines behind a second interface, and each pool
# module reads on its own.
data "google_compute_machine_types" "offered" {
  count = var.zone_count

  project = var.project_id
  zone    = element(var.zones, count.index)
  filter  = "name = \"${var.machine_type}\""
}

locals {
  zone = try([for d in data.google_compute_machine_types.offered : d.zone if length(d.machine_types) > 0][0], null)
}

# One TPU slice node pool: every VM of a multi-host slice is one node, and GKE creates, repairs and
# deletes the slice as a unit (https://cloud.google.com/kubernetes-engine/docs/concepts/tpus).
resource "google_container_node_pool" "this" {
  project = var.project_id
  name    = var.name
  cluster = var.cluster_id
  # A slice lives in a single zone.
  location       = var.location
  node_locations = [local.zone]

  node_count         = local.autoscaled ? null : var.node_count
  initial_node_count = local.autoscaled ? var.initial_node_count : null

  dynamic "autoscaling" {
    for_each = local.autoscaled ? [1] : []

    content {
      min_node_count = var.min_node_count
      max_node_count = var.max_node_count
    }
  }

  # COMPACT placement with the slice topology: the VMs are wired by ICI as one slice.
  placement_policy {
    type         = "COMPACT"
    tpu_topology = var.tpu_topology
  }

  management {
    auto_repair  = true
    auto_upgrade = true
  }

  upgrade_settings {
    max_surge       = 0
    max_unavailable = 1
    strategy        = "SURGE"
  }

  node_config {
    machine_type      = var.machine_type
    image_type        = "COS_CONTAINERD"
    disk_size_gb      = var.disk_size_gb
    disk_type         = var.disk_type
    boot_disk_kms_key = var.boot_disk_kms_key_id
    service_account   = var.service_account_email
    oauth_scopes      = ["https://www.googleapis.com/auth/cloud-platform"]
    spot              = var.spot
    labels            = var.labels
    resource_labels   = var.resource_labels
    metadata = {
      disable-legacy-endpoints = "true"
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

  lifecycle {
    precondition {
      condition     = local.zone != null
      error_message = "TPU pool ${var.name}: machine type ${var.machine_type} is offered in none of the zones ${join(", ", var.zones)}. Give the slice a zone that offers it (tpu_pools.<pool>.zone in a protected environment; `gcloud compute machine-types list --filter=name=${var.machine_type}`) or choose another region."
    }
  }
}
