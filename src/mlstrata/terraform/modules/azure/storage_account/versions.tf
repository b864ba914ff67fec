terraform {
  required_version = ">= 1.10"

  required_providers {
    # >= 4.42: rbac_authorization_enabled (azurerm_key_vault) and gpu_driver (node pools, 4.40).
    azurerm = {
      source  = "hashicorp/azurerm"
      version = ">= 4.42, < 5.0"
    }
  }
}
