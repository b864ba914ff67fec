resource "aws_elasticache_replication_group" "feast_online" {
  replication_group_id       = "feast-online"
  description                = "Feast online store"
  engine                     = "redis"
  at_rest_encryption_enabled = true
  transit_encryption_enabled = true
}

# Not a feature store: MLS046 leaves session caches to the general scanners.
resource "aws_elasticache_replication_group" "sessions" {
  replication_group_id = "web-sessions"
  description          = "web sessions"
}

resource "google_redis_instance" "online_store" {
  name                    = "online-store"
  memory_size_gb          = 4
  transit_encryption_mode = "SERVER_AUTHENTICATION"
}

resource "azurerm_redis_cache" "feast" {
  name                = "feast"
  location            = "eastus2"
  resource_group_name = "ml"
  capacity            = 1
  family              = "C"
  sku_name            = "Standard"
  minimum_tls_version = "1.2"
}

# Azure Managed Redis: client_protocol defaults to Encrypted, with or without a default_database block.
resource "azurerm_managed_redis" "feast_online" {
  name                = "feast-online"
  location            = "eastus2"
  resource_group_name = "ml"
  sku_name            = "Balanced_B0"
}

resource "azurerm_managed_redis" "feature_store" {
  name                = "feature-store"
  location            = "eastus2"
  resource_group_name = "ml"
  sku_name            = "Balanced_B1"

  default_database {
    client_protocol = "Encrypted"
  }
}
