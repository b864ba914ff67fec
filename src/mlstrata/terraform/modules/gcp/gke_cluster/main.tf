locals {
  # Regional control plane (three replicas, nodes spread over zones) for protected environments;
  # a zonal one, cheaper and with one control plane replica, elsewhere.
  location       = var.regional ? var.region : var.zones[0]
  node_locations = var.regional ? var.zones : [var.zones[0]]

  node_roles = toset([
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
    "roles/monitoring.viewer",
    "roles/stackdriver.resourceMetadata.writer",
    "roles/artifactregistry.reader",
  ])
}

# Nodes run as a dedicated least-privilege service account, never the Compute Engine default one
# (which has roles/editor) (https://cloud.google.com/kubernetes-engine/docs/how-to/hardening-your-cluster#use_least_privilege_sa).
resource "google_service_account" "nodes" {
  project      = var.project_id
  account_id   = coalesce(var.node_service_account_id, substr("${var.name}-nodes", 0, 30))
  display_name = "GKE nodes of ${var.name}"
}

resource "google_project_iam_member" "nodes" {
  for_each = local.node_roles

  project = var.project_id
  role    = each.value
  member  = "serviceAccount:${google_service_account.nodes.email}"
}

resource "google_container_cluster" "this" {
  project             = var.project_id
  name                = var.name
  location            = local.location
  node_locations      = var.regional ? local.node_locations : null
  min_master_version  = var.kubernetes_version
  deletion_protection = var.protect
  resource_labels     = var.labels

  network         = var.network_id
  subnetwork      = var.subnet_id
  networking_mode = "VPC_NATIVE"
  # Dataplane V2 (eBPF): network policy enforcement built in, no Calico add-on.
  datapath_provider = "ADVANCED_DATAPATH"

  # Node pools are separate resources (system, GPU, TPU); the default pool is removed at once.
  remove_default_node_pool = true
  initial_node_count       = 1

  ip_allocation_policy {
    cluster_secondary_range_name  = var.pods_range_name
    services_secondary_range_name = var.services_range_name
  }

  private_cluster_config {
    enable_private_nodes    = true
    enable_private_endpoint = !var.endpoint_public
    master_ipv4_cidr_block  = var.master_ipv4_cidr

    master_global_access_config {
      enabled = true
    }
  }

  # The DNS-based endpoint is reachable from CI and laptops without a route into the VPC, and every
  # request is authorised by IAM (https://cloud.google.com/kubernetes-engine/docs/concepts/network-isolation#dns-based_endpoint).
  control_plane_endpoints_config {
    dns_endpoint_config {
      allow_external_traffic = true
    }
  }

  master_authorized_networks_config {
    gcp_public_cidrs_access_enabled = false

    dynamic "cidr_blocks" {
      for_each = var.authorized_cidrs

      content {
        cidr_block   = cidr_blocks.value
        display_name = "authorized ${cidr_blocks.value}"
      }
    }
  }

  # Access through IAM and Kubernetes RBAC only; no static client certificate.
  master_auth {
    client_certificate_config {
      issue_client_certificate = false
    }
  }

  workload_identity_config {
    workload_pool = "${var.project_id}.svc.id.goog"
  }

  release_channel {
    channel = var.release_channel
  }

  enable_shielded_nodes       = true
  enable_intranode_visibility = true

  # Kubernetes secrets encrypted with the platform key (application-layer secrets encryption).
  database_encryption {
    state    = "ENCRYPTED"
    key_name = var.kms_key_id
  }

  binary_authorization {
    evaluation_mode = "PROJECT_SINGLETON_POLICY_ENFORCE"
  }

  # Workload configuration audit stays on. Workload vulnerability scanning's standard tier (VULNERABILITY_BASIC)
  # was deprecated on 2024-07-23 and removed on 2025-07-31, and a removed tier cannot be enabled on a cluster
  # (https://cloud.google.com/kubernetes-engine/docs/deprecations/vulnerability-scanning-gkee; the API marks it
  # "no longer supported"): scan images in Artifact Registry instead.
  security_posture_config {
    mode               = "BASIC"
    vulnerability_mode = "VULNERABILITY_DISABLED"
  }

  logging_config {
    enable_components = ["SYSTEM_COMPONENTS", "WORKLOADS"]
  }

  monitoring_config {
    # With Google Managed Prometheus, GKE also collects the DCGM GPU metrics itself
    # (https://cloud.google.com/kubernetes-engine/docs/how-to/dcgm-metrics).
    enable_components = var.managed_prometheus ? ["SYSTEM_COMPONENTS", "DCGM"] : ["SYSTEM_COMPONENTS"]

    managed_prometheus {
      enabled = var.managed_prometheus
    }
  }

  addons_config {
    http_load_balancing {
      disabled = false
    }

    horizontal_pod_autoscaling {
      disabled = false
    }

    gce_persistent_disk_csi_driver_config {
      enabled = true
    }

    gcs_fuse_csi_driver_config {
      enabled = true
    }
  }

  maintenance_policy {
    recurring_window {
      start_time = "2025-01-04T02:00:00Z"
      end_time   = "2025-01-04T08:00:00Z"
      recurrence = "FREQ=WEEKLY;BYDAY=SA,SU"
    }
  }

  # Only the default pool (removed right after creation) reads this; it still must not be the
  # Compute Engine default service account or expose the legacy metadata endpoints.
  node_config {
    service_account = google_service_account.nodes.email
    oauth_scopes    = ["https://www.googleapis.com/auth/cloud-platform"]
    metadata = {
      disable-legacy-endpoints = "true"
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
    # The default pool's node_config only exists for the first minutes of the cluster.
    ignore_changes = [node_config]
  }

  depends_on = [google_project_iam_member.nodes]
}

# The system pool runs cluster add-ons (kube-dns, metrics, the autoscaler's helpers, DCGM exporter
# controllers, ...). It has no taints: with only tainted GPU/TPU pools, system pods would have
# nowhere to run and the cluster would never become healthy.
resource "google_container_node_pool" "system" {
  project        = var.project_id
  name           = "system"
  cluster        = google_container_cluster.this.id
  location       = local.location
  node_locations = local.node_locations

  # Autoscaled: the autoscaler owns the node count; initial_node_count only seeds each zone.
  initial_node_count = var.system_pool_min_per_zone

  autoscaling {
    min_node_count  = var.system_pool_min_per_zone
    max_node_count  = var.system_pool_max_per_zone
    location_policy = "BALANCED"
  }

  management {
    auto_repair  = true
    auto_upgrade = true
  }

  upgrade_settings {
    max_surge       = 1
    max_unavailable = 0
    strategy        = "SURGE"
  }

  node_config {
    machine_type      = var.system_pool_machine_type
    image_type        = "COS_CONTAINERD"
    disk_size_gb      = 100
    disk_type         = "pd-balanced"
    boot_disk_kms_key = var.boot_disk_kms_key_id
    service_account   = google_service_account.nodes.email
    oauth_scopes      = ["https://www.googleapis.com/auth/cloud-platform"]
    labels            = { "mlstrata.dev/pool" = "system" }
    resource_labels   = var.labels
    metadata = {
      disable-legacy-endpoints = "true"
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

# Private nodes: the firewall rule GKE creates lets the control plane reach nodes and pods only on TCP 443
# and 10250, so an admission webhook served on another port times out ("failed calling webhook") and every
# object it guards is refused. KServe's controller serves its webhook on 9443 (ServingRuntimes and
# InferenceServices), Knative's on 8443. GKE's documented fix is a rule from the control plane's range
# (https://cert-manager.io/docs/installation/compatibility/#gke ,
# https://cloud.google.com/service-mesh/docs/private-cluster-open-port). Nodes are matched by their service
# account, which every pool of the cluster runs as.
resource "google_compute_firewall" "control_plane_webhooks" {
  project                 = var.project_id
  name                    = "${var.name}-webhooks"
  network                 = var.network_id
  direction               = "INGRESS"
  priority                = 1000
  source_ranges           = [var.master_ipv4_cidr]
  target_service_accounts = [google_service_account.nodes.email]

  allow {
    protocol = "tcp"
    ports    = var.control_plane_webhook_ports
  }

  log_config {
    metadata = "EXCLUDE_ALL_METADATA"
  }
}

resource "google_project_iam_member" "admins" {
  for_each = toset(var.admin_members)

  project = var.project_id
  role    = "roles/container.admin"
  member  = each.value
}
