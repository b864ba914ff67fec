# Feast's online store on Azure: Azure Cache for Redis reachable only through a private endpoint, TLS 1.2
# only (the non-TLS port off), and Microsoft Entra authentication instead of access keys: the Feast
# identity gets the built-in "Data Contributor" access policy, no key exists to leak.
# https://learn.microsoft.com/azure/azure-cache-for-redis/cache-azure-active-directory-for-authentication
# Data at rest is encrypted with Microsoft-managed keys: customer-managed keys exist only on the
# Enterprise tiers (https://learn.microsoft.com/azure/azure-cache-for-redis/cache-how-to-encryption).
resource "azurerm_redis_cache" "this" {
  name                = var.name
  location            = var.location
  resource_group_name = var.resource_group_name
  # Protected environments: Premium P1 (replicated, zone redundant); elsewhere Standard C1 (replicated).
  sku_name = var.protect ? "Premium" : "Standard"
  family   = var.protect ? "P" : "C"
  capacity = 1
  zones    = var.protect ? ["1", "2", "3"] : null
  # A Premium cache is one primary and one replica unless told otherwise: three zones need two replicas, one node
  # per zone ("replicasPerMaster to number of zones - 1",
  # https://azure.github.io/PSRule.Rules.Azure/en/rules/Azure.Redis.AvailabilityZone/).
  replicas_per_primary = var.protect ? 2 : null

  non_ssl_port_enabled               = false
  minimum_tls_version                = "1.2"
  public_network_access_enabled      = false
  access_keys_authentication_enabled = false

  redis_configuration {
    active_directory_authentication_enabled = true
  }

  tags = var.tags
}

resource "azurerm_redis_cache_access_policy_assignment" "feast" {
  name               = "feast"
  redis_cache_id     = azurerm_redis_cache.this.id
  access_policy_name = "Data Contributor"
  object_id          = var.data_contributor_object_id
  object_id_alias    = var.data_contributor_alias
}

resource "azurerm_private_endpoint" "this" {
  name                = "${var.name}-pe"
  location            = var.location
  resource_group_name = var.resource_group_name
  subnet_id           = var.private_endpoint_subnet_id

  private_service_connection {
    name                           = var.name
    private_connection_resource_id = azurerm_redis_cache.this.id
    subresource_names              = ["redisCache"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "redis"
    private_dns_zone_ids = [var.private_dns_zone_id]
  }

  tags = var.tags
}
