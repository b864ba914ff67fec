# The storage account every unit's state lives in (one blob per environment x layer). Blob leases lock
# the state; versioning and soft delete keep every earlier state recoverable.
resource "azurerm_resource_group" "this" {
  name     = var.resource_group_name
  location = var.location
  tags     = var.tags
}

resource "azurerm_storage_account" "this" {
  name                     = var.storage_account_name
  location                 = azurerm_resource_group.this.location
  resource_group_name      = azurerm_resource_group.this.name
  account_kind             = "StorageV2"
  account_tier             = "Standard"
  account_replication_type = "GZRS"

  # Entra ID only: the backend uses use_azuread_auth; no account keys, no SAS.
  shared_access_key_enabled         = false
  default_to_oauth_authentication   = true
  local_user_enabled                = false
  min_tls_version                   = "TLS1_2"
  https_traffic_only_enabled        = true
  allow_nested_items_to_be_public   = false
  cross_tenant_replication_enabled  = false
  infrastructure_encryption_enabled = true
  # CI runners of every environment (their NAT gateway IPs) reach it over the public endpoint, limited
  # by network_rules and Entra ID authorization.
  public_network_access_enabled = true

  blob_properties {
    versioning_enabled  = true
    change_feed_enabled = true

    delete_retention_policy {
      days = 90
    }

    container_delete_retention_policy {
      days = 90
    }
  }

  network_rules {
    default_action = length(var.allowed_ip_ranges) > 0 ? "Deny" : "Allow"
    bypass         = ["AzureServices"]
    # Storage IP rules take a single address without a prefix: "/32" is refused (hashicorp/terraform-provider-azurerm#5444,
    # documented in #20870), so a CI egress IP written as a /32 is sent as the bare address.
    ip_rules = [for range in var.allowed_ip_ranges : trimsuffix(range, "/32")]
  }

  sas_policy {
    expiration_period = "00.01:00:00"
    expiration_action = "Block"
  }

  tags = var.tags

  lifecycle {
    prevent_destroy = true
    # Runners inside an environment's VNet are allowed by a virtual network rule added once their subnet
    # exists (bootstrap/README.md), after this root's first apply: Terraform must not remove it again.
    ignore_changes = [network_rules[0].virtual_network_subnet_ids]
  }
}

resource "azurerm_storage_container" "this" {
  name                  = var.container_name
  storage_account_id    = azurerm_storage_account.this.id
  container_access_type = "private"
}

resource "azurerm_storage_management_policy" "this" {
  storage_account_id = azurerm_storage_account.this.id

  rule {
    name    = "expire-old-state-versions"
    enabled = true

    filters {
      blob_types = ["blockBlob"]
    }

    actions {
      version {
        delete_after_days_since_creation = var.noncurrent_version_retention_days
      }
    }
  }
}

# Whoever runs Terraform for any environment (in any subscription) reads and writes state through the
# data plane: Storage Blob Data Contributor on this container is all it needs.
resource "azurerm_role_assignment" "state_writers" {
  for_each = toset(var.state_writer_principal_ids)

  scope                = azurerm_storage_container.this.id
  role_definition_name = "Storage Blob Data Contributor"
  principal_id         = each.value
}

# The pipeline creates a protected environment's CI runner subnet, then allows it here
# (`az storage account network-rule add`): same-region requests ignore IP rules, only virtual network rules
# admit them (https://learn.microsoft.com/azure/storage/common/storage-network-security). Storage has no
# narrower action than writing the account for that, so the role holds only read and write of the account
# (no key listing or regeneration, and shared keys are off), scoped to this one account.
resource "azurerm_role_definition" "network_rules" {
  count = length(var.network_rule_writer_principal_ids) > 0 ? 1 : 0

  name        = "${var.storage_account_name}-state-network-rules"
  scope       = azurerm_storage_account.this.id
  description = "Add CI runner subnets to the virtual network rules of the mlstrata state account."

  permissions {
    actions = ["Microsoft.Storage/storageAccounts/read", "Microsoft.Storage/storageAccounts/write"]
  }

  assignable_scopes = [azurerm_storage_account.this.id]
}

resource "azurerm_role_assignment" "network_rules" {
  for_each = toset(var.network_rule_writer_principal_ids)

  scope              = azurerm_storage_account.this.id
  role_definition_id = azurerm_role_definition.network_rules[0].role_definition_resource_id
  principal_id       = each.value
}
