# Feast's online store on Azure: Azure Managed Redis. Azure Cache for Redis is retired (Basic/Standard/Premium on
# 2028-09-30), and a tenant that had no cache before 2026-04-01 cannot create one
# (https://learn.microsoft.com/azure/azure-cache-for-redis/cache-whats-new), so a new organisation's first apply
# would fail there. Reachable only through a private endpoint, TLS only, Microsoft Entra authentication
# instead of access keys, disks encrypted with the environment's customer-managed key.
# https://learn.microsoft.com/azure/redis/overview
resource "azurerm_managed_redis" "this" {
  name                = var.name
  location            = var.location
  resource_group_name = var.resource_group_name
  # Protected environments: highly available (a replica of every shard, spread over the region's zones where it
  # has them); elsewhere one node. Both are fixed at creation: changing either replaces the cache.
  # https://learn.microsoft.com/azure/reliability/reliability-managed-redis
  sku_name                  = var.sku_name
  high_availability_enabled = var.high_availability
  # The provider's default is "Enabled" (azurerm docs, managed_redis): only the private endpoint may reach it.
  public_network_access = "Disabled"

  identity {
    type         = "UserAssigned"
    identity_ids = [var.cmk_identity_id]
  }

  # Every Managed Redis tier takes a customer-managed key for its disks (persistence, export files, OS): an RSA
  # key in the cache's region, in a vault with purge protection, and a versioned key URL only ("Key encryption
  # key Url, versioned only", az redisenterprise create): https://learn.microsoft.com/azure/redis/how-to-encryption.
  # After the key rotates, the next base and platform applies move the cache to the new version in place.
  customer_managed_key {
    key_vault_key_id          = var.key_version_id
    user_assigned_identity_id = var.cmk_identity_id
  }

  default_database {
    # Entra tokens only: with access keys off no key exists to leak (the provider's default, said here).
    access_keys_authentication_enabled = false
    client_protocol                    = "Encrypted"
    # One endpoint that behaves like a single Redis (Feast's redis_type "redis"): OSS cluster, the provider's
    # default, needs a cluster-aware client that follows redirects to every node's port.
    # https://learn.microsoft.com/azure/redis/architecture#cluster-policies
    clustering_policy = "EnterpriseCluster"
    # Online features are the latest values, rewritten by every materialisation: never evict them silently.
    eviction_policy = "NoEviction"
  }

  tags = var.tags
}

# Managed Redis grants data access through access policy assignments on its database. azurerm 4.55 has no
# resource for them (hashicorp/terraform-provider-azurerm#30938; added later by #30980), so the assignment is
# declared through azapi against the stable API. Only the "default" policy exists; the Redis user name is the
# identity's object id, its password an Entra token the client refreshes.
# https://learn.microsoft.com/azure/redis/entra-for-authentication
resource "azapi_resource" "feast_access" {
  type      = "Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments@2025-04-01"
  name      = var.data_contributor_alias
  parent_id = "${azurerm_managed_redis.this.id}/databases/default"

  body = {
    properties = {
      accessPolicyName = "default"
      user = {
        objectId = var.data_contributor_object_id
      }
    }
  }
}

resource "azurerm_private_endpoint" "this" {
  name                = "${var.name}-pe"
  location            = var.location
  resource_group_name = var.resource_group_name
  subnet_id           = var.private_endpoint_subnet_id

  private_service_connection {
    name                           = var.name
    private_connection_resource_id = azurerm_managed_redis.this.id
    subresource_names              = ["redisEnterprise"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "redis"
    private_dns_zone_ids = [var.private_dns_zone_id]
  }

  tags = var.tags
}
