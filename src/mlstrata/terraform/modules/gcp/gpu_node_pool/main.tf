locals {
  autoscaled = var.node_count_owner == "autoscaler"
  reserved   = var.reservation_affinity == "SPECIFIC"
}

# GPU machine types are offered in some zones of a region only (https://cloud.google.com/compute/docs/gpus/gpu-regions-zones),
# and GKE refuses a whole pool when one of its zones lacks the type ('Accelerator type "nvidia-l4" does not exist
# in zone us-west4-b', https://github.com/GoogleCloudPlatform/kubernetes-engine-samples/issues/1738; GPUs in a
# regional cluster need --node-locations, https://github.com/terraform-google-modules/terraform-google-kubernetes-engine/issues/263).
# The pool keeps the zones of node_locations that offer its machine type, asked of the Compute API per zone (zones
# chosen by hand, keep_all_zones, are all kept and must all offer it). count is zone_count, a number known when
# planning: on a first apply the zones themselves are read only then.
# The same look-up as in modules/tpu_node_pool (one data source with count = zone_count), on purpose not a shared child
# module: the two modules use it differently (a GPU pool keeps every offering zone, a TPU slice takes the first),
# a module of one data source would only move these five lines behind a second interface, and each pool
# module reads on its own.
data "google_compute_machine_types" "offered" {
  count = var.zone_count

  project = var.project_id
  # element() wraps: a region with fewer zones than asked for repeats one, which distinct() drops below
  zone   = element(var.node_locations, count.index)
  filter = "name = \"${var.machine_type}\""
}

locals {
  offered_locations = distinct([
    for d in data.google_compute_machine_types.offered : d.zone if length(d.machine_types) > 0
  ])
  left_out_locations = distinct([
    for d in data.google_compute_machine_types.offered : d.zone if length(d.machine_types) == 0
  ])
}

check "every_zone_offers_the_machine_type" {
  assert {
    condition     = var.keep_all_zones || length(local.left_out_locations) == 0
    error_message = "GPU pool ${var.name}: ${var.machine_type} is not offered in ${join(", ", local.left_out_locations)}; the pool runs in ${join(", ", local.offered_locations)} only (node counts per zone apply there)."
  }
}

resource "google_container_node_pool" "this" {
  project        = var.project_id
  name           = var.name
  cluster        = var.cluster_id
  location       = var.location
  node_locations = var.keep_all_zones ? var.node_locations : local.offered_locations

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
    # Dynamic Workload Scheduler nodes (queued provisioning, flex-start) are not repaired: a repaired node would
    # leave its atomic group, and a flex-start VM is not recreated (Google's GKE flex-start blueprints set
    # auto_repair = false as a "flex-start dependency": GoogleCloudPlatform/cluster-toolkit, gke-tpu-v6e.yaml).
    # (A conditional rather than ||: checkov evaluates it per caller, CKV_GCP_9.)
    auto_repair  = var.queued_provisioning ? false : (var.flex_start ? false : true)
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
    disk_type         = var.disk_type
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

  lifecycle {
    precondition {
      condition     = var.keep_all_zones ? length(local.left_out_locations) == 0 : length(local.offered_locations) > 0
      error_message = "GPU pool ${var.name}: machine type ${var.machine_type} is not offered in ${join(", ", var.keep_all_zones ? local.left_out_locations : var.node_locations)}. Choose zones that offer it (gpu_pools.<pool>.zones in a protected environment; `gcloud compute machine-types list --filter=name=${var.machine_type}`) or another machine type."
    }
  }
}
