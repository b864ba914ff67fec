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
  retention_policy_in_days      = 30
  zone_redundancy_enabled       = true
  # No quarantine (quarantine_policy_enabled): a quarantined registry serves no pushed image until a scanner
  # marks it Passed (https://azure.github.io/PSRule.Rules.Azure/en/rules/Azure.ACR.Quarantine/); nothing here
  # does, so the workspace's environment images and the platform's images could never be pulled.
  # No Docker Content Trust (trust_policy_enabled): since 2026-05-31 ACR refuses it on a new registry
  # ("ContentTrustUnsupported", hashicorp/terraform-provider-azurerm#32752, which deprecates the argument); it is
  # removed on 2028-03-31 (https://aka.ms/acr/dctdeprecation). Signing moves to Notary Project signatures.
  tags = var.tags
}

# The workspace is declared through azapi, not azurerm: its storage account refuses shared keys, and the
# workspace must be *created* with identity-based system datastores (systemDatastoresAuthMode,
# https://learn.microsoft.com/azure/machine-learning/how-to-disable-local-auth-storage, "Create a new
# workspace"). azurerm cannot say so (hashicorp/terraform-provider-azurerm#22150; the storage_account_access_type
# argument of #32514 is in no azurerm release this module can validate against), and creating in the default
# key mode first would make Azure ML set up its datastores with the account key. Microsoft's verified module
# declares the workspace the same way (Azure/terraform-azurerm-avm-res-machinelearningservices-workspace,
# main.tf: azapi_resource with systemDatastoresAuthMode in the create body). The mode is spelled as the API
# specification's enum (AccessKey | Identity | UserDelegationSAS, Microsoft.MachineLearningServices 2025-06-01).
resource "azapi_resource" "workspace" {
  type      = local.workspace_api
  name      = "${var.name}-mlw"
  parent_id = var.resource_group_id
  location  = var.location

  identity {
    type = "SystemAssigned"
  }

  body = {
    kind = "Default"
    sku = {
      name = "Basic"
      tier = "Basic"
    }
    properties = {
      friendlyName             = "${var.name}-mlw"
      description              = "Training, tracking (MLflow) and model registration of ${var.name}."
      applicationInsights      = azurerm_application_insights.this.id
      keyVault                 = var.key_vault_id
      storageAccount           = var.storage_account_id
      containerRegistry        = azurerm_container_registry.this.id
      systemDatastoresAuthMode = "Identity"
      publicNetworkAccess      = "Disabled"
      v1LegacyMode             = false
      hbiWorkspace             = var.protect
      managedNetwork = {
        isolationMode = "AllowOnlyApprovedOutbound"
      }
    }
  }

  response_export_values = ["properties.workspaceId", "properties.discoveryUrl"]
  tags                   = var.tags
}

resource "azurerm_private_endpoint" "workspace" {
  name                = "${var.name}-mlw-pe"
  location            = var.location
  resource_group_name = var.resource_group_name
  subnet_id           = var.private_endpoint_subnet_id

  private_service_connection {
    name                           = "${var.name}-mlw"
    private_connection_resource_id = azapi_resource.workspace.id
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
  # Keyed by name, not by id: the kubelet identity's object id is known only once the cluster exists, and a
  # for_each over a set of ids created in the same apply fails the first plan ("Invalid for_each argument",
  # https://developer.hashicorp.com/terraform/language/meta-arguments/for_each).
  for_each = var.acr_pull_principals

  scope                = azurerm_container_registry.this.id
  role_definition_name = "AcrPull"
  principal_id         = each.value
  # The kubelet identity is created with the cluster in the same apply: a stated principal type spares ARM the
  # directory lookup that fails with PrincipalNotFound while Entra ID replicates it (Azure/AgentBaker#8251).
  principal_type = "ServicePrincipal"
}
