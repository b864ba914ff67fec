terraform {
  required_version = ">= 1.10"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = ">= 4.42, < 5.0"
    }
    # Azure ML registries have no azurerm resource yet (hashicorp/terraform-provider-azurerm#22565, #27309),
    # and a workspace on a shared-key-off account needs systemDatastoresAuthMode at creation (#22150).
    # 2.5: the first release whose embedded schemas have the 2025-06-01 API; an older one refuses it at plan.
    azapi = {
      source  = "Azure/azapi"
      version = ">= 2.5, < 3.0"
    }
  }
}
