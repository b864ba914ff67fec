locals {
  registry_type        = "Microsoft.MachineLearningServices/registries"
  registry_api_version = "2025-06-01"
  workspace_api        = "Microsoft.MachineLearningServices/workspaces@2025-06-01"
}

resource "azurerm_application_insights" "this" {
  name                          = "${var.name}-appi"
  location                      = var.location
  resource_group_name           = var.resource_group_name
  application_type              = "other"
  workspace_id                  = var.log_analytics_workspace_id
  local_authentication_disabled = true
  internet_ingestion_enabled    = false
  internet_query_enabled        = false
  tags                          = var.tags
}

resource "azurerm_container_registry" "this" {
  name                = var.container_registry_name
  location            = var.location
  resource_group_name = var.resource_group_name
  # Premium: private endpoints, retention of untagged manifests, zone redundancy.
  sku                           = "Premium"
  admin_enabled                 = false
  anonymous_pull_enabled        = false
  public_network_access_enabled = false
  network_rule_bypass_option    = "AzureServices"
  data_endpoint_enabled         = true
  export_policy_enabled         = false
  quarantine_policy_enabled     = true
  retention_policy_in_days      = 30
  trust_policy_enabled          = true
  zone_redundancy_enabled       = true
  tags                          = var.tags
}

resource "azurerm_machine_learning_workspace" "this" {
  name                          = "${var.name}-mlw"
  location                      = var.location
  resource_group_name           = var.resource_group_name
  application_insights_id       = azurerm_application_insights.this.id
  key_vault_id                  = var.key_vault_id
  storage_account_id            = var.storage_account_id
  container_registry_id         = azurerm_container_registry.this.id
  public_network_access_enabled = false
  v1_legacy_mode_enabled        = false
  high_business_impact          = var.protect
  sku_name                      = "Basic"
  description                   = "Training, tracking (MLflow) and model registration of ${var.name}."

  identity {
    type = "SystemAssigned"
  }

  managed_network {
    isolation_mode = "AllowOnlyApprovedOutbound"
  }

  tags = var.tags
}

# The workspace's storage account has shared-key access off, so its system datastores must use the
# workspace identity; azurerm does not expose systemDatastoresAuthMode, the ARM API does.
resource "azapi_update_resource" "workspace_identity_datastores" {
  type        = local.workspace_api
  resource_id = azurerm_machine_learning_workspace.this.id

  body = {
    properties = {
      systemDatastoresAuthMode = "identity"
    }
  }
}

resource "azurerm_private_endpoint" "workspace" {
  name                = "${var.name}-mlw-pe"
  location            = var.location
  resource_group_name = var.resource_group_name
  subnet_id           = var.private_endpoint_subnet_id

  private_service_connection {
    name                           = "${var.name}-mlw"
    private_connection_resource_id = azurerm_machine_learning_workspace.this.id
    subresource_names              = ["amlworkspace"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "amlworkspace"
    private_dns_zone_ids = [var.private_dns_zone_ids["azureml_api"], var.private_dns_zone_ids["azureml_nb"]]
  }

  tags = var.tags
}

resource "azurerm_private_endpoint" "container_registry" {
  name                = "${var.name}-acr-pe"
  location            = var.location
  resource_group_name = var.resource_group_name
  subnet_id           = var.private_endpoint_subnet_id

  private_service_connection {
    name                           = "${var.name}-acr"
    private_connection_resource_id = azurerm_container_registry.this.id
    subresource_names              = ["registry"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "registry"
    private_dns_zone_ids = [var.private_dns_zone_ids["acr"]]
  }

  tags = var.tags
}

# The stage's model registry. Azure ML registries have no azurerm resource
# (hashicorp/terraform-provider-azurerm#22565, #27309), so the ARM type is declared through azapi at
# a stable (non-preview) API version; see README for why not MLflow on AKS.
resource "azapi_resource" "registry" {
  type      = "${local.registry_type}@${local.registry_api_version}"
  name      = "${var.name}-registry"
  parent_id = var.resource_group_id
  location  = var.location

  identity {
    type = "SystemAssigned"
  }

  body = {
    properties = {
      publicNetworkAccess = "Disabled"
      regionDetails = [
        {
          location = var.location
          storageAccountDetails = [
            {
              systemCreatedStorageAccount = {
                storageAccountType       = "Standard_ZRS"
                storageAccountHnsEnabled = false
                allowBlobPublicAccess    = false
              }
            },
          ]
          acrDetails = [
            {
              systemCreatedAcrAccount = {
                acrAccountSku = "Premium"
              }
            },
          ]
        },
      ]
    }
  }

  response_export_values = ["properties.mlFlowRegistryUri", "properties.discoveryUrl"]
  tags                   = var.tags
}

resource "azurerm_private_endpoint" "registry" {
  name                = "${var.name}-registry-pe"
  location            = var.location
  resource_group_name = var.resource_group_name
  subnet_id           = var.private_endpoint_subnet_id

  private_service_connection {
    name                           = "${var.name}-registry"
    private_connection_resource_id = azapi_resource.registry.id
    subresource_names              = ["amlregistry"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "amlregistry"
    private_dns_zone_ids = [var.private_dns_zone_ids["azureml_api"]]
  }

  tags = var.tags
}

# Promoters are the only principals that write this stage: registering (promoting) a model version
# into it. Everyone else reads through the read-only role below.
resource "azurerm_role_assignment" "promoters" {
  for_each = toset(var.promoter_principal_ids)

  scope                = azapi_resource.registry.id
  role_definition_name = "AzureML Registry User"
  principal_id         = each.value
}

resource "azurerm_role_definition" "registry_reader" {
  name        = "${var.name}-model-registry-reader"
  scope       = var.resource_group_id
  description = "Read models, environments and components of the ${var.name} model registry; no writes."

  permissions {
    actions = [
      "Microsoft.MachineLearningServices/registries/read",
      "Microsoft.MachineLearningServices/registries/assets/read",
    ]
    not_actions = []
  }

  assignable_scopes = [var.resource_group_id]
}

resource "azurerm_role_assignment" "readers" {
  for_each = toset(var.reader_principal_ids)

  scope              = azapi_resource.registry.id
  role_definition_id = azurerm_role_definition.registry_reader.role_definition_resource_id
  principal_id       = each.value
}

# Nodes pull the platform's images from the workspace's registry.
resource "azurerm_role_assignment" "acr_pull" {
  for_each = toset(var.acr_pull_principal_ids)

  scope                = azurerm_container_registry.this.id
  role_definition_name = "AcrPull"
  principal_id         = each.value
}
