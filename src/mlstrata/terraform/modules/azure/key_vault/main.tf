# Customer-managed keys of the environment (storage accounts, the Azure ML workspace). RBAC
# authorization: who may use which key is an Azure role assignment, reviewable like any other grant.
resource "azurerm_key_vault" "this" {
  name                       = var.name
  location                   = var.location
  resource_group_name        = var.resource_group_name
  tenant_id                  = var.tenant_id
  sku_name                   = "premium"
  rbac_authorization_enabled = true
  # Customer-managed keys require purge protection: a deleted key stays recoverable for the retention.
  purge_protection_enabled   = true
  soft_delete_retention_days = 90
  # Protected environments reach the vault only through its private endpoint (CI runs in the VNet).
  public_network_access_enabled = var.public_network_access_enabled

  network_acls {
    default_action             = "Deny"
    bypass                     = "AzureServices"
    ip_rules                   = var.allowed_ip_ranges
    virtual_network_subnet_ids = var.allowed_subnet_ids
  }

  tags = var.tags
}

resource "azurerm_private_endpoint" "this" {
  name                = "${var.name}-pe"
  location            = var.location
  resource_group_name = var.resource_group_name
  subnet_id           = var.private_endpoint_subnet_id

  private_service_connection {
    name                           = "${var.name}-vault"
    private_connection_resource_id = azurerm_key_vault.this.id
    subresource_names              = ["vault"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "vault"
    private_dns_zone_ids = [var.private_dns_zone_id]
  }

  tags = var.tags
}

# The identity running Terraform creates keys (a data-plane operation).
resource "azurerm_role_assignment" "deployer_crypto_officer" {
  scope                = azurerm_key_vault.this.id
  role_definition_name = "Key Vault Crypto Officer"
  principal_id         = var.deployer_object_id
}

# Role assignments take minutes to reach the Key Vault data plane; creating the key right after the
# assignment fails with 403 on a first apply without this wait. Azure offers no "assignment effective"
# signal to wait on, and the provider does not retry a 403: Microsoft's own verified module waits the same
# way (Azure/terraform-azurerm-avm-res-keyvault-vault, time_sleep.wait_for_rbac_before_key_operations).
# depends_on alone only orders the creation. The wait covers the cmk identity's grant too: every consumer
# of key_id (storage accounts, Service Bus) wraps its data key as that identity right after.
resource "time_sleep" "rbac_propagation" {
  create_duration = "90s"

  depends_on = [azurerm_role_assignment.deployer_crypto_officer, azurerm_role_assignment.cmk_encryption_user,
  azurerm_private_endpoint.this]
}

resource "azurerm_key_vault_key" "this" {
  name         = "${var.name}-cmk"
  key_vault_id = azurerm_key_vault.this.id
  key_type     = "RSA-HSM"
  key_size     = 3072
  key_opts     = ["wrapKey", "unwrapKey"]

  # Rotated by Key Vault; each new version expires two years after creation.
  rotation_policy {
    expire_after         = "P2Y"
    notify_before_expiry = "P30D"

    automatic {
      time_before_expiry = "P60D"
    }
  }

  tags = var.tags

  depends_on = [time_sleep.rbac_propagation]
}

# One identity that every storage account (and the ML workspace) encrypts with; it may only wrap and
# unwrap with this vault's keys.
resource "azurerm_user_assigned_identity" "cmk" {
  name                = "${var.name}-cmk"
  location            = var.location
  resource_group_name = var.resource_group_name
  tags                = var.tags
}

resource "azurerm_role_assignment" "cmk_encryption_user" {
  scope                = azurerm_key_vault.this.id
  role_definition_name = "Key Vault Crypto Service Encryption User"
  principal_id         = azurerm_user_assigned_identity.cmk.principal_id
  principal_type       = "ServicePrincipal"
}

# Disks (AKS node OS disks and the volumes the cluster's CSI driver creates) are encrypted with the
# same key. The set reads the key as the cmk identity, and disks created with it fail until that
# identity's role reached the vault's data plane, so the set (and every cluster using it) waits the
# same way the key does. Versionless key id: the set follows the key's automatic rotation.
resource "time_sleep" "cmk_rbac_propagation" {
  create_duration = "90s"

  depends_on = [azurerm_role_assignment.cmk_encryption_user]
}

resource "azurerm_disk_encryption_set" "this" {
  name                      = "${var.name}-des"
  location                  = var.location
  resource_group_name       = var.resource_group_name
  key_vault_key_id          = azurerm_key_vault_key.this.versionless_id
  auto_key_rotation_enabled = true
  encryption_type           = "EncryptionAtRestWithCustomerKey"

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.cmk.id]
  }

  tags = var.tags

  depends_on = [time_sleep.cmk_rbac_propagation]
}
