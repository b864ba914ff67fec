# The control plane's own identity: AKS needs "Network Contributor" on a bring-your-own VNet (to join
# nodes to the subnet and use the NAT gateway), granted before the cluster exists.
resource "azurerm_user_assigned_identity" "control_plane" {
  name                = "${var.name}-aks-control-plane"
  location            = var.location
  resource_group_name = var.resource_group_name
  tags                = var.tags
}

resource "azurerm_role_assignment" "control_plane_network" {
  scope                = var.vnet_id
  role_definition_name = "Network Contributor"
  principal_id         = azurerm_user_assigned_identity.control_plane.principal_id
  principal_type       = "ServicePrincipal"
}

# The control plane creates the node scale sets whose OS disks reference the disk encryption set; with a
# user-assigned identity it needs to read the set (Reader is the least built-in role that can).
resource "azurerm_role_assignment" "control_plane_disk_encryption_set" {
  scope                = var.disk_encryption_set_id
  role_definition_name = "Reader"
  principal_id         = azurerm_user_assigned_identity.control_plane.principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_log_analytics_workspace" "this" {
  name                = "${var.name}-aks-logs"
  location            = var.location
  resource_group_name = var.resource_group_name
  sku                 = "PerGB2018"
  retention_in_days   = var.log_retention_days
  # Entra ID only: no shared workspace keys.
  local_authentication_enabled = false
  tags                         = var.tags
}

resource "azurerm_kubernetes_cluster" "this" {
  name                = var.name
  location            = var.location
  resource_group_name = var.resource_group_name
  dns_prefix          = var.name
  kubernetes_version  = var.kubernetes_version
  # Standard tier: the financially backed API server SLA; Free has none.
  sku_tier = var.sku_tier

  # Patch releases of the pinned minor version arrive automatically, inside the maintenance window;
  # minor upgrades stay a reviewed change of kubernetes_version.
  automatic_upgrade_channel = var.automatic_upgrade_channel
  node_os_upgrade_channel   = "NodeImage"

  # Workload identity: pods exchange a projected service account token for an Entra token.
  oidc_issuer_enabled       = true
  workload_identity_enabled = true

  # Entra ID only, authorised by Azure RBAC: no static kubeconfig credentials exist.
  local_account_disabled            = true
  role_based_access_control_enabled = true
  azure_policy_enabled              = var.azure_policy_enabled
  image_cleaner_enabled             = true
  image_cleaner_interval_hours      = 48

  # Node OS disks and CSI-created volumes use the environment's customer-managed key. Set only at
  # creation: changing it replaces the cluster.
  disk_encryption_set_id = var.disk_encryption_set_id

  # A private API server has no public address; CI reaches it from the VNet (see README).
  private_cluster_enabled             = var.private_cluster
  private_cluster_public_fqdn_enabled = false
  private_dns_zone_id                 = var.private_cluster ? "System" : null

  dynamic "api_server_access_profile" {
    for_each = var.private_cluster || length(var.authorized_ip_ranges) == 0 ? [] : [1]
    content {
      # The nodes reach a public API server from the NAT gateway's address ("in non-private clusters, API server
      # cluster traffic is routed and processed through the clusters outbound type",
      # https://learn.microsoft.com/azure/aks/nat-gateway); AKS admits only a load balancer's outbound IPs by
      # itself, so without it kubelets, konnectivity and the autoscaler are refused (jenkins-infra/azure#596).
      authorized_ip_ranges = concat(var.authorized_ip_ranges, [for ip in var.egress_ip_addresses : "${ip}/32"])
    }
  }

  # System pool: untainted unless critical_addons_only, so platform workloads (monitoring, pipeline
  # runner) have somewhere to run; every GPU pool is tainted and keeps them off.
  default_node_pool {
    name                         = "system"
    vm_size                      = var.system_vm_size
    vnet_subnet_id               = var.node_subnet_id
    zones                        = var.zones
    auto_scaling_enabled         = true
    min_count                    = var.system_min_count
    max_count                    = var.system_max_count
    max_pods                     = 110
    os_sku                       = "AzureLinux"
    os_disk_type                 = "Ephemeral"
    os_disk_size_gb              = var.system_os_disk_size_gb
    only_critical_addons_enabled = var.critical_addons_only
    # Temp disks and OS disk caches encrypted on the VM host; needs the subscription feature
    # Microsoft.Compute/EncryptionAtHost (see README). Changing it rotates the pool.
    host_encryption_enabled = var.system_host_encryption
    # Changing vm_size and other fixed properties rotates through a temporary pool instead of failing.
    temporary_name_for_rotation = "systemtmp"
    node_labels                 = { "mlstrata.dev/pool" = "system" }

    upgrade_settings {
      max_surge                     = "33%"
      drain_timeout_in_minutes      = 30
      node_soak_duration_in_minutes = 0
    }
  }

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.control_plane.id]
  }

  azure_active_directory_role_based_access_control {
    azure_rbac_enabled     = true
    tenant_id              = var.tenant_id
    admin_group_object_ids = var.admin_group_object_ids
  }

  network_profile {
    network_plugin      = "azure"
    network_plugin_mode = "overlay"
    network_data_plane  = "cilium"
    network_policy      = "cilium"
    load_balancer_sku   = "standard"
    outbound_type       = "userAssignedNATGateway"
    pod_cidr            = var.pod_cidr
    service_cidr        = var.service_cidr
    dns_service_ip      = cidrhost(var.service_cidr, 10)
  }

  key_vault_secrets_provider {
    secret_rotation_enabled  = true
    secret_rotation_interval = "2m"
  }

  oms_agent {
    log_analytics_workspace_id      = azurerm_log_analytics_workspace.this.id
    msi_auth_for_monitoring_enabled = true
  }

  # Azure Monitor managed Prometheus scrapes the cluster when the spec chooses it.
  dynamic "monitor_metrics" {
    for_each = var.managed_prometheus ? [1] : []
    content {}
  }

  maintenance_window_auto_upgrade {
    frequency   = "Weekly"
    interval    = 1
    duration    = 4
    day_of_week = var.maintenance_day
    start_time  = "02:00"
    utc_offset  = "+00:00"
  }

  maintenance_window_node_os {
    frequency   = "Weekly"
    interval    = 1
    duration    = 4
    day_of_week = var.maintenance_day
    start_time  = "02:00"
    utc_offset  = "+00:00"
  }

  tags = var.tags

  lifecycle {
    # The cluster autoscaler owns the system pool's node count between min and max.
    ignore_changes = [default_node_pool[0].node_count]
  }

  depends_on = [azurerm_role_assignment.control_plane_network, azurerm_role_assignment.control_plane_disk_encryption_set]
}

# Container insights with managed-identity auth (msi_auth_for_monitoring_enabled, required by a workspace without
# local auth) collects only what a data collection rule associated with the cluster names: the CLI and portal
# create that rule, the ARM/Terraform API does not, and without it no container log or inventory reaches the
# workspace (hashicorp/terraform-provider-azurerm#23510; Azure/terraform-azurerm-aks#607, fixed in #623 the same
# way; the Container insights team's own Terraform: microsoft/Docker-Provider scripts/onboarding/aks/
# onboarding-msi-terraform).
resource "azurerm_monitor_data_collection_rule" "container_insights" {
  name                = "MSCI-${var.location}-${var.name}"
  location            = var.location
  resource_group_name = var.resource_group_name
  description         = "Container insights of ${var.name}: container logs, inventory and performance to its workspace."

  destinations {
    log_analytics {
      name                  = "ciworkspace"
      workspace_resource_id = azurerm_log_analytics_workspace.this.id
    }
  }

  data_flow {
    streams      = ["Microsoft-ContainerInsights-Group-Default"]
    destinations = ["ciworkspace"]
  }

  data_sources {
    extension {
      name           = "ContainerInsightsExtension"
      extension_name = "ContainerInsights"
      streams        = ["Microsoft-ContainerInsights-Group-Default"]
      extension_json = jsonencode({
        dataCollectionSettings = {
          interval               = "1m"
          namespaceFilteringMode = "Off"
          enableContainerLogV2   = true
        }
      })
    }
  }

  tags = var.tags
}

resource "azurerm_monitor_data_collection_rule_association" "container_insights" {
  name                    = "ContainerInsightsExtension"
  target_resource_id      = azurerm_kubernetes_cluster.this.id
  data_collection_rule_id = azurerm_monitor_data_collection_rule.container_insights.id
  description             = "Container insights of the cluster (data collection rule above)."
}

# Azure RBAC for Kubernetes: cluster-admin for the declared admins and for the identity that runs
# Terraform (the platform layer installs Helm releases).
resource "azurerm_role_assignment" "cluster_admin" {
  for_each = toset(concat(var.admin_group_object_ids, [var.deployer_object_id]))

  scope                = azurerm_kubernetes_cluster.this.id
  role_definition_name = "Azure Kubernetes Service RBAC Cluster Admin"
  principal_id         = each.value
}

resource "azurerm_role_assignment" "cluster_user" {
  for_each = toset(concat(var.admin_group_object_ids, [var.deployer_object_id]))

  scope                = azurerm_kubernetes_cluster.this.id
  role_definition_name = "Azure Kubernetes Service Cluster User Role"
  principal_id         = each.value
}

# A private cluster's API server name resolves only in VNets linked to the zone AKS creates for it ("System":
# in the node resource group, named after the private FQDN without its first label). The CI runner's peered
# VNet gets a link too, as Microsoft documents for clients in a peered VNet
# (https://learn.microsoft.com/azure/aks/private-clusters, "Virtual network peering").
resource "azurerm_private_dns_zone_virtual_network_link" "runner" {
  count = var.private_cluster && var.runner_vnet_id != null ? 1 : 0

  name                  = "${var.name}-ci-runner"
  resource_group_name   = azurerm_kubernetes_cluster.this.node_resource_group
  private_dns_zone_name = join(".", slice(split(".", azurerm_kubernetes_cluster.this.private_fqdn), 1, length(split(".", azurerm_kubernetes_cluster.this.private_fqdn))))
  virtual_network_id    = var.runner_vnet_id
  registration_enabled  = false
  tags                  = var.tags
}
