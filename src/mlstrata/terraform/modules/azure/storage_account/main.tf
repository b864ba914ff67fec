locals {
  # Hierarchical namespace (ADLS Gen2) where it fits: stores that do not keep object versions.
  # Blob versioning is not available on HNS accounts, so a versioned store stays flat.
  hns = !var.versioning
  private_endpoints = merge(
    { blob = var.private_dns_zone_ids["blob"] },
    local.hns ? { dfs = var.private_dns_zone_ids["dfs"] } : {},
  )
}

resource "azurerm_storage_account" "this" {
  name                     = var.name
  location                 = var.location
  resource_group_name      = var.resource_group_name
  account_kind             = "StorageV2"
  account_tier             = "Standard"
  account_replication_type = var.replication_type
  is_hns_enabled           = local.hns

  # Entra ID only: no account keys, no SAS signed with them, no local (SFTP) users.
  shared_access_key_enabled         = false
  default_to_oauth_authentication   = true
  local_user_enabled                = false
  min_tls_version                   = "TLS1_2"
  https_traffic_only_enabled        = true
  allow_nested_items_to_be_public   = false
  public_network_access_enabled     = false
  cross_tenant_replication_enabled  = false
  infrastructure_encryption_enabled = true

  identity {
    type         = "UserAssigned"
    identity_ids = [var.cmk_identity_id]
  }

  blob_properties {
    versioning_enabled  = var.versioning
    change_feed_enabled = var.versioning

    delete_retention_policy {
      days = var.soft_delete_days
    }

    container_delete_retention_policy {
      days = var.soft_delete_days
    }
  }

  network_rules {
    default_action = "Deny"
    bypass         = ["AzureServices"]
  }

  sas_policy {
    expiration_period = "00.01:00:00"
    expiration_action = "Block"
  }

  tags = var.tags

  lifecycle {
    # The customer-managed key is its own resource (azurerm_storage_account_customer_managed_key).
    ignore_changes = [customer_managed_key]
  }
}

resource "azurerm_storage_account_customer_managed_key" "this" {
  storage_account_id        = azurerm_storage_account.this.id
  key_vault_id              = var.key_vault_id
  key_name                  = var.key_name
  user_assigned_identity_id = var.cmk_identity_id
}

resource "azurerm_storage_container" "this" {
  # storage_account_id: created through Azure Resource Manager, not the (private) blob endpoint.
  name                  = var.container_name
  storage_account_id    = azurerm_storage_account.this.id
  container_access_type = "private"
}

resource "azurerm_storage_management_policy" "this" {
  storage_account_id = azurerm_storage_account.this.id

  rule {
    name    = "retention"
    enabled = true

    filters {
      blob_types = ["blockBlob"]
    }

    actions {
      dynamic "base_blob" {
        for_each = var.retention_days == null ? [] : [var.retention_days]
        content {
          delete_after_days_since_modification_greater_than = base_blob.value
        }
      }

      dynamic "version" {
        for_each = var.versioning ? [1] : []
        content {
          delete_after_days_since_creation = var.noncurrent_version_retention_days
        }
      }

      snapshot {
        delete_after_days_since_creation_greater_than = var.noncurrent_version_retention_days
      }
    }
  }
}

resource "azurerm_private_endpoint" "this" {
  for_each = local.private_endpoints

  name                = "${var.name}-${each.key}-pe"
  location            = var.location
  resource_group_name = var.resource_group_name
  subnet_id           = var.private_endpoint_subnet_id

  private_service_connection {
    name                           = "${var.name}-${each.key}"
    private_connection_resource_id = azurerm_storage_account.this.id
    subresource_names              = [each.key]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = each.key
    private_dns_zone_ids = [each.value]
  }

  tags = var.tags
}

resource "azurerm_role_assignment" "readers" {
  for_each = toset(var.reader_principal_ids)

  scope                = azurerm_storage_container.this.id
  role_definition_name = "Storage Blob Data Reader"
  principal_id         = each.value
}

resource "azurerm_role_assignment" "writers" {
  for_each = toset(var.writer_principal_ids)

  scope                = azurerm_storage_container.this.id
  role_definition_name = "Storage Blob Data Contributor"
  principal_id         = each.value
}

# Protected environments: Azure refuses to delete the account (and its containers) while the lock
# exists; storage accounts have no deletion-protection flag of their own.
resource "azurerm_management_lock" "this" {
  count = var.protect ? 1 : 0

  name       = "${var.name}-cannot-delete"
  scope      = azurerm_storage_account.this.id
  lock_level = "CanNotDelete"
  notes      = "Managed by mlstrata: remove protect for this environment to allow deletion."
}

# Blob read, write and delete logs (resource logs of the blob service) to the environment's Log Analytics
# workspace: who read which model or dataset, by Entra identity. Storage Analytics logging and
# azurerm_log_analytics_storage_insights both need the account key, which this account refuses.
# https://learn.microsoft.com/azure/storage/blobs/monitor-blob-storage
resource "azurerm_monitor_diagnostic_setting" "blob" {
  name                       = "${var.name}-blob-logs"
  target_resource_id         = "${azurerm_storage_account.this.id}/blobServices/default"
  log_analytics_workspace_id = var.log_analytics_workspace_id

  enabled_log {
    category = "StorageRead"
  }

  enabled_log {
    category = "StorageWrite"
  }

  enabled_log {
    category = "StorageDelete"
  }
}
