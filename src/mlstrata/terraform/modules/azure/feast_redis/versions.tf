terraform {
  required_version = ">= 1.10"

  required_providers {
    # azurerm_managed_redis arrived in 4.50; its customer_managed_key takes key_vault_key_id as in 4.55.
    azurerm = {
      source  = "hashicorp/azurerm"
      version = ">= 4.55, < 5.0"
    }
    # The database's access policy assignment (no azurerm resource in 4.55).
    azapi = {
      source  = "Azure/azapi"
      version = ">= 2.0, < 3.0"
    }
  }
}
