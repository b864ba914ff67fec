terraform {
  required_version = ">= 1.10"

  required_providers {
    # >= 4.42: rbac_authorization_enabled replaced enable_rbac_authorization.
    azurerm = {
      source  = "hashicorp/azurerm"
      version = ">= 4.42, < 5.0"
    }
    # Role assignments take minutes to reach the Key Vault data plane; the key waits for them.
    time = {
      source  = "hashicorp/time"
      version = ">= 0.12, < 1.0"
    }
  }
}
