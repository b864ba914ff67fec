resource "azurerm_resource_group" "this" {
  name     = "${var.name}-rg"
  location = var.location
  tags     = var.tags
}

resource "azurerm_virtual_network" "this" {
  name                = "${var.name}-vnet"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  address_space       = [var.cidr]
  tags                = var.tags
}

locals {
  # Azure CNI overlay: pods get addresses from a private overlay range, not from the VNet, so the
  # node subnet only needs one address per node (https://learn.microsoft.com/azure/aks/azure-cni-overlay).
  subnet_prefixes = {
    nodes             = cidrsubnet(var.cidr, 4, 0)
    private_endpoints = cidrsubnet(var.cidr, 8, 16)
    postgres          = cidrsubnet(var.cidr, 8, 17)
    ci_runners        = cidrsubnet(var.cidr, 8, 18)
  }
  # Subnets whose egress goes through the NAT gateway (AKS outbound_type userAssignedNATGateway).
  nat_subnets = ["nodes", "ci_runners"]
  # One private DNS zone per private endpoint kind, linked to the VNet so nodes and runners resolve them.
  base_private_dns_zones = {
    blob        = "privatelink.blob.core.windows.net"
    dfs         = "privatelink.dfs.core.windows.net"
    vault       = "privatelink.vaultcore.azure.net"
    servicebus  = "privatelink.servicebus.windows.net"
    acr         = "privatelink.azurecr.io"
    azureml_api = "privatelink.api.azureml.ms"
    azureml_nb  = "privatelink.notebooks.azure.net"
    postgres    = "${var.name}.private.postgres.database.azure.com"
  }
  # Azure Managed Redis (the Feast online store) only where a feature store is declared; its private link
  # zone is its own, not Azure Cache for Redis's privatelink.redis.cache.windows.net
  # (https://learn.microsoft.com/azure/private-link/private-endpoint-dns, "Azure Managed Redis").
  private_dns_zones = merge(local.base_private_dns_zones,
  var.redis_private_dns_zone ? { redis = "privatelink.redis.azure.net" } : {})
}

resource "azurerm_subnet" "this" {
  for_each = local.subnet_prefixes

  name                 = each.key
  resource_group_name  = azurerm_resource_group.this.name
  virtual_network_name = azurerm_virtual_network.this.name
  address_prefixes     = [each.value]
  # No implicit outbound access: egress only through the NAT gateway.
  default_outbound_access_enabled = false
  # Network policies on private endpoints let NSG rules apply to them.
  private_endpoint_network_policies = each.key == "private_endpoints" ? "Enabled" : null
  service_endpoints                 = each.key == "ci_runners" ? ["Microsoft.KeyVault", "Microsoft.Storage"] : null

  dynamic "delegation" {
    for_each = each.key == "postgres" ? [1] : []
    content {
      name = "postgres-flexible-server"
      service_delegation {
        name    = "Microsoft.DBforPostgreSQL/flexibleServers"
        actions = ["Microsoft.Network/virtualNetworks/subnets/join/action"]
      }
    }
  }
}

resource "azurerm_network_security_group" "this" {
  for_each = local.subnet_prefixes

  name                = "${var.name}-${replace(each.key, "_", "-")}-nsg"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  tags                = var.tags
}

resource "azurerm_subnet_network_security_group_association" "this" {
  for_each = local.subnet_prefixes

  subnet_id                 = azurerm_subnet.this[each.key].id
  network_security_group_id = azurerm_network_security_group.this[each.key].id
}

resource "azurerm_public_ip" "nat" {
  name                = "${var.name}-nat-ip"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  allocation_method   = "Static"
  sku                 = "Standard"
  zones               = var.nat_zones
  tags                = var.tags
}

resource "azurerm_nat_gateway" "this" {
  name                    = "${var.name}-nat"
  location                = azurerm_resource_group.this.location
  resource_group_name     = azurerm_resource_group.this.name
  sku_name                = "Standard"
  idle_timeout_in_minutes = 10
  # A NAT gateway lives in one zone at most; the public IP must be in the same one.
  zones = var.nat_zones
  tags  = var.tags
}

resource "azurerm_nat_gateway_public_ip_association" "this" {
  nat_gateway_id       = azurerm_nat_gateway.this.id
  public_ip_address_id = azurerm_public_ip.nat.id
}

resource "azurerm_subnet_nat_gateway_association" "this" {
  for_each = toset(local.nat_subnets)

  subnet_id      = azurerm_subnet.this[each.key].id
  nat_gateway_id = azurerm_nat_gateway.this.id
}

resource "azurerm_private_dns_zone" "this" {
  for_each = local.private_dns_zones

  name                = each.value
  resource_group_name = azurerm_resource_group.this.name
  tags                = var.tags
}

resource "azurerm_private_dns_zone_virtual_network_link" "this" {
  for_each = local.private_dns_zones

  name                  = "${var.name}-${each.key}"
  resource_group_name   = azurerm_resource_group.this.name
  private_dns_zone_name = azurerm_private_dns_zone.this[each.key].name
  virtual_network_id    = azurerm_virtual_network.this.id
  registration_enabled  = false
  tags                  = var.tags
}

# Protected environments: the CI runner lives in its own VNet (bootstrap/ci_runner/<env>, applied first by
# the pipeline), peered both ways with this one; it resolves the private endpoints through links of the same
# zones (https://learn.microsoft.com/azure/dns/private-dns-virtual-network-links). Both peerings are created
# here, by the identity that created both VNets; the runner VNet's resource group and name come from its id.
locals {
  runner_vnet = var.runner_vnet_id == null ? {} : {
    runner = {
      id                  = var.runner_vnet_id
      resource_group_name = split("/", var.runner_vnet_id)[4]
      name                = split("/", var.runner_vnet_id)[8]
    }
  }
}

resource "azurerm_virtual_network_peering" "to_runner" {
  for_each = local.runner_vnet

  name                         = "${var.name}-to-ci-runner"
  resource_group_name          = azurerm_resource_group.this.name
  virtual_network_name         = azurerm_virtual_network.this.name
  remote_virtual_network_id    = each.value.id
  allow_virtual_network_access = true
  allow_forwarded_traffic      = false
}

resource "azurerm_virtual_network_peering" "from_runner" {
  for_each = local.runner_vnet

  name                         = "ci-runner-to-${var.name}"
  resource_group_name          = each.value.resource_group_name
  virtual_network_name         = each.value.name
  remote_virtual_network_id    = azurerm_virtual_network.this.id
  allow_virtual_network_access = true
  allow_forwarded_traffic      = false
}

resource "azurerm_private_dns_zone_virtual_network_link" "runner" {
  for_each = var.runner_vnet_id == null ? {} : local.private_dns_zones

  name                  = "${var.name}-ci-runner-${each.key}"
  resource_group_name   = azurerm_resource_group.this.name
  private_dns_zone_name = azurerm_private_dns_zone.this[each.key].name
  virtual_network_id    = var.runner_vnet_id
  registration_enabled  = false
  tags                  = var.tags
}
