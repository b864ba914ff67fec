terraform {
  required_version = ">= 1.10"

  required_providers {
    # azurerm_managed_redis arrived in 4.50; its customer_managed_key takes key_vault_key_id as in 4.55.
    azurerm = {
      source  = "hashicorp/azurerm"
      version = ">= 4.55, < 5.0"
    }
    # The database's access policy assignment (no azurerm resource in 4.55). 2.5: the first release whose embedded
    # schemas have the 2025-04-01 API; an older one refuses the api-version at plan (schema validation is on).
    azapi = {
      source  = "Azure/azapi"
      version = ">= 2.5, < 3.0"
    }
  }
}
