locals {
  premium = var.sku == "Premium"
}

resource "azurerm_servicebus_namespace" "this" {
  name                = var.name
  location            = var.location
  resource_group_name = var.resource_group_name
  sku                 = var.sku
  # Premium: private endpoint, customer-managed key, dedicated capacity.
  capacity                     = local.premium ? 1 : 0
  premium_messaging_partitions = local.premium ? 1 : 0
  # Entra ID only: no SAS keys.
  local_auth_enabled  = false
  minimum_tls_version = "1.2"
  # Set by the caller, not derived here: checkov did not resolve `!local.premium` and reported the private
  # Premium namespace of protected environments as public (CKV_AZURE_204).
  public_network_access_enabled = var.public_network_access_enabled

  dynamic "identity" {
    for_each = local.premium ? [1] : []
    content {
      type         = "UserAssigned"
      identity_ids = [var.cmk_identity_id]
    }
  }

  dynamic "customer_managed_key" {
    for_each = local.premium ? [1] : []
    content {
      key_vault_key_id                  = var.key_id
      identity_id                       = var.cmk_identity_id
      infrastructure_encryption_enabled = true
    }
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = local.premium || var.public_network_access_enabled
      error_message = "Only a Premium namespace has a private endpoint: with sku Standard, public_network_access_enabled must be true."
    }
  }
}

resource "azurerm_servicebus_queue" "this" {
  name         = "pipeline-steps"
  namespace_id = azurerm_servicebus_namespace.this.id
  # After max_delivery_count failed deliveries, and on expiry, messages move to the dead-letter queue.
  max_delivery_count                   = var.max_delivery_count
  dead_lettering_on_message_expiration = true
  default_message_ttl                  = "PT${var.message_retention_hours}H"
  lock_duration                        = "PT${var.lock_duration_seconds}S"
  requires_duplicate_detection         = false
  partitioning_enabled                 = false
}

resource "azurerm_private_endpoint" "this" {
  count = local.premium ? 1 : 0

  name                = "${var.name}-pe"
  location            = var.location
  resource_group_name = var.resource_group_name
  subnet_id           = var.private_endpoint_subnet_id

  private_service_connection {
    name                           = "${var.name}-namespace"
    private_connection_resource_id = azurerm_servicebus_namespace.this.id
    subresource_names              = ["namespace"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "namespace"
    private_dns_zone_ids = [var.private_dns_zone_id]
  }

  tags = var.tags
}
