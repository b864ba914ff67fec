output "key_vault_id" {
  description = "Resource id of the Key Vault."
  value       = azurerm_key_vault.this.id
}

output "key_vault_uri" {
  description = "Data-plane URI of the Key Vault."
  value       = azurerm_key_vault.this.vault_uri
}

output "key_id" {
  description = "Versionless id of the customer-managed key (consumers follow its rotation)."
  value       = azurerm_key_vault_key.this.versionless_id
}

output "key_version_id" {
  description = "Id of the key's current version, for services that take a versioned key only (Azure Managed Redis)."
  value       = azurerm_key_vault_key.this.id
}

output "key_name" {
  description = "Name of the customer-managed key."
  value       = azurerm_key_vault_key.this.name
}

output "cmk_identity_id" {
  description = "User-assigned identity that encrypts with the key (Key Vault Crypto Service Encryption User)."
  value       = azurerm_user_assigned_identity.cmk.id
}

output "cmk_identity_principal_id" {
  description = "Principal id of the CMK identity."
  value       = azurerm_user_assigned_identity.cmk.principal_id
}

output "cmk_role_assignment_id" {
  description = "The CMK identity's role assignment; consumers depend on it before using the key."
  value       = azurerm_role_assignment.cmk_encryption_user.id
}

output "disk_encryption_set_id" {
  description = "Disk encryption set (customer-managed key) for AKS node OS disks and volumes; created after the cmk identity's key access has propagated."
  value       = azurerm_disk_encryption_set.this.id
}
