terraform {
  # >= 1.11: the registration token reaches Key Vault through a write-only argument from an ephemeral
  # variable, so it is never in a plan or in state.
  required_version = ">= 1.11"

  required_providers {
    # >= 4.42 like every azure module; value_wo on azurerm_key_vault_secret came earlier, in March 2025
    # (hashicorp/terraform-provider-azurerm#28947).
    azurerm = {
      source  = "hashicorp/azurerm"
      version = ">= 4.42, < 5.0"
    }
    # Role assignments take minutes to reach the Key Vault data plane; the secret waits for them.
    time = {
      source  = "hashicorp/time"
      version = ">= 0.12, < 1.0"
    }
  }
}
