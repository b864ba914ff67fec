resource "aws_elasticache_replication_group" "feast_online" { # MLS046 MLS046
  replication_group_id = "feast-online"
  description          = "Feast online store"
  engine               = "redis"
  node_type            = "cache.r7g.large"
}

resource "aws_elasticache_replication_group" "feature_store" {
  replication_group_id       = "ml-feature-store"
  description                = "online features"
  at_rest_encryption_enabled = true
  transit_encryption_enabled = false # MLS046
}

resource "google_redis_instance" "online_store" {
  name                    = "online-store"
  memory_size_gb          = 4
  transit_encryption_mode = "DISABLED" # MLS046
}

resource "azurerm_redis_cache" "feast" {
  name                 = "feast"
  location             = "eastus2"
  resource_group_name  = "ml"
  capacity             = 1
  family               = "C"
  sku_name             = "Standard"
  non_ssl_port_enabled = true  # MLS046
  minimum_tls_version  = "1.0" # MLS046
}

resource "azurerm_managed_redis" "feast_online" {
  name                = "feast-online"
  location            = "eastus2"
  resource_group_name = "ml"
  sku_name            = "Balanced_B0"

  default_database {
    client_protocol = "Plaintext" # MLS046
  }
}
