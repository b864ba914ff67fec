# Pipeline metadata: PostgreSQL Flexible Server injected into the VNet. Entra ID authentication only:
# no password exists, so none can leak into Terraform values or state.
resource "azurerm_postgresql_flexible_server" "this" {
  name                          = var.name
  location                      = var.location
  resource_group_name           = var.resource_group_name
  version                       = "16"
  sku_name                      = var.sku_name
  storage_mb                    = var.storage_mb
  auto_grow_enabled             = true
  backup_retention_days         = var.backup_retention_days
  geo_redundant_backup_enabled  = var.protect
  delegated_subnet_id           = var.subnet_id
  private_dns_zone_id           = var.private_dns_zone_id
  public_network_access_enabled = false
  zone                          = "1"

  authentication {
    active_directory_auth_enabled = true
    password_auth_enabled         = false
    tenant_id                     = var.tenant_id
  }

  dynamic "high_availability" {
    for_each = var.protect ? [1] : []
    content {
      mode                      = "ZoneRedundant"
      standby_availability_zone = "2"
    }
  }

  tags = var.tags

  lifecycle {
    # Azure swaps the primary and standby zones on a failover; that is not a change to undo.
    ignore_changes = [zone, high_availability[0].standby_availability_zone]
  }
}

resource "azurerm_postgresql_flexible_server_configuration" "require_tls" {
  name      = "require_secure_transport"
  server_id = azurerm_postgresql_flexible_server.this.id
  value     = "on"
}

resource "azurerm_postgresql_flexible_server_configuration" "log_connections" {
  name      = "log_connections"
  server_id = azurerm_postgresql_flexible_server.this.id
  value     = "on"

  # One server operation at a time: a second one while the server applies the first fails with ServerBusy
  # (hashicorp/terraform-provider-azurerm#28298; Azure/ResourceModules#3324 deploys them one by one for that).
  depends_on = [azurerm_postgresql_flexible_server_configuration.require_tls]
}

resource "azurerm_postgresql_flexible_server_active_directory_administrator" "this" {
  server_name         = azurerm_postgresql_flexible_server.this.name
  resource_group_name = var.resource_group_name
  tenant_id           = var.tenant_id
  object_id           = var.admin_object_id
  principal_name      = var.admin_principal_name
  principal_type      = "ServicePrincipal"

  # After the parameters: the administrator is another write to the same server (ServerBusy otherwise).
  depends_on = [azurerm_postgresql_flexible_server_configuration.log_connections]
}

# Protected environments: Azure refuses to delete the server while the lock exists.
resource "azurerm_management_lock" "this" {
  count = var.protect ? 1 : 0

  name       = "${var.name}-cannot-delete"
  scope      = azurerm_postgresql_flexible_server.this.id
  lock_level = "CanNotDelete"
  notes      = "Managed by mlstrata: remove protect for this environment to allow deletion."
}
