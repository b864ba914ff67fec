# A self-hosted CI runner for a protected environment, in its own small VNet that the environment's base
# layer peers with. It exists before anything of the environment does, so a hosted runner can apply this
# root first; every later job of the environment runs here and reaches the vault, the private API server
# and the other private endpoints through the peering (README.md).
resource "azurerm_resource_group" "this" {
  name     = "${var.name}-ci-rg"
  location = var.location
  tags     = var.tags
}

resource "azurerm_virtual_network" "this" {
  name                = "${var.name}-ci-vnet"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  address_space       = [var.cidr]
  tags                = var.tags
}

# Container Apps environments with workload profiles take a subnet delegated to Microsoft.App/environments,
# /27 at least (https://learn.microsoft.com/azure/container-apps/custom-virtual-networks). The Microsoft.Storage
# service endpoint lets the state account allow this subnet by a virtual network rule: same-region requests
# ignore its IP rules (https://learn.microsoft.com/azure/storage/common/storage-network-security).
resource "azurerm_subnet" "runners" {
  name                            = "runners"
  resource_group_name             = azurerm_resource_group.this.name
  virtual_network_name            = azurerm_virtual_network.this.name
  address_prefixes                = [var.cidr]
  default_outbound_access_enabled = false
  service_endpoints               = ["Microsoft.KeyVault", "Microsoft.Storage"]

  delegation {
    name = "container-apps"
    service_delegation {
      name    = "Microsoft.App/environments"
      actions = ["Microsoft.Network/virtualNetworks/subnets/join/action"]
    }
  }
}

resource "azurerm_network_security_group" "runners" {
  name                = "${var.name}-ci-runners-nsg"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  tags                = var.tags
}

resource "azurerm_subnet_network_security_group_association" "runners" {
  subnet_id                 = azurerm_subnet.runners.id
  network_security_group_id = azurerm_network_security_group.runners.id
}

# Egress (the CI service, package indexes, ARM) through one static address.
resource "azurerm_public_ip" "nat" {
  name                = "${var.name}-ci-nat-ip"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  allocation_method   = "Static"
  sku                 = "Standard"
  zones               = ["1"]
  tags                = var.tags
}

resource "azurerm_nat_gateway" "this" {
  name                    = "${var.name}-ci-nat"
  location                = azurerm_resource_group.this.location
  resource_group_name     = azurerm_resource_group.this.name
  sku_name                = "Standard"
  idle_timeout_in_minutes = 10
  zones                   = ["1"]
  tags                    = var.tags
}

resource "azurerm_nat_gateway_public_ip_association" "this" {
  nat_gateway_id       = azurerm_nat_gateway.this.id
  public_ip_address_id = azurerm_public_ip.nat.id
}

resource "azurerm_subnet_nat_gateway_association" "runners" {
  subnet_id      = azurerm_subnet.runners.id
  nat_gateway_id = azurerm_nat_gateway.this.id
}

# The identity the runner's container runs as: it reads the registration token and pulls the image. Jobs
# still sign in to Azure with their own federated credential (OIDC), never as this identity.
resource "azurerm_user_assigned_identity" "runner" {
  name                = "${var.name}-ci-runner"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  tags                = var.tags
}

# Holds the registration token only. The hosted runner applying this root writes it over the public endpoint
# (allowed_ip_ranges); the runner reads it from its subnet.
resource "azurerm_key_vault" "this" {
  name                          = var.key_vault_name
  location                      = azurerm_resource_group.this.location
  resource_group_name           = azurerm_resource_group.this.name
  tenant_id                     = var.tenant_id
  sku_name                      = "standard"
  rbac_authorization_enabled    = true
  purge_protection_enabled      = true
  soft_delete_retention_days    = 90
  public_network_access_enabled = true

  # Like the state account: with no CI ranges declared, the hosted runner's changing addresses are let through
  # and Entra ID authorization alone guards the vault.
  network_acls {
    default_action             = length(var.allowed_ip_ranges) > 0 ? "Deny" : "Allow"
    bypass                     = "AzureServices"
    ip_rules                   = var.allowed_ip_ranges
    virtual_network_subnet_ids = [azurerm_subnet.runners.id]
  }

  tags = var.tags
}

resource "azurerm_role_assignment" "deployer_secrets_officer" {
  scope                = azurerm_key_vault.this.id
  role_definition_name = "Key Vault Secrets Officer"
  principal_id         = var.deployer_object_id
}

resource "azurerm_role_assignment" "runner_secrets_user" {
  scope                = azurerm_key_vault.this.id
  role_definition_name = "Key Vault Secrets User"
  principal_id         = azurerm_user_assigned_identity.runner.principal_id
  principal_type       = "ServicePrincipal"
}

# As in the key_vault module: no signal says an assignment reached the vault's data plane, and azurerm does
# not retry a 403 (see key_vault/README.md).
resource "time_sleep" "rbac_propagation" {
  create_duration = "90s"

  depends_on = [azurerm_role_assignment.deployer_secrets_officer, azurerm_role_assignment.runner_secrets_user]
}

# Write-only: the token is sent to Key Vault when its version changes and is never stored in plan or state.
resource "azurerm_key_vault_secret" "registration_token" {
  name             = "runner-registration-token"
  key_vault_id     = azurerm_key_vault.this.id
  value_wo         = var.registration_token
  value_wo_version = var.registration_token_version
  content_type     = "text/plain"
  # Rotate by bumping registration_token_version with a new token; the vault keeps the old versions.
  expiration_date = "2099-12-31T00:00:00Z"

  depends_on = [time_sleep.rbac_propagation]
}

resource "azurerm_container_app_environment" "this" {
  name                           = "${var.name}-ci"
  location                       = azurerm_resource_group.this.location
  resource_group_name            = azurerm_resource_group.this.name
  infrastructure_subnet_id       = azurerm_subnet.runners.id
  internal_load_balancer_enabled = true

  workload_profile {
    name                  = "Consumption"
    workload_profile_type = "Consumption"
  }

  tags = var.tags

  depends_on = [azurerm_subnet_nat_gateway_association.runners]
}

locals {
  secret_name = "registration-token"
  github_env = {
    GITHUB_PAT                 = null
    REPO_URL                   = "https://github.com/${var.github_owner}/${var.github_repository}"
    REGISTRATION_TOKEN_API_URL = "https://api.github.com/repos/${var.github_owner}/${var.github_repository}/actions/runners/registration-token"
    RUNNER_LABELS              = var.runner_label
  }
  gitlab_env = {
    RUNNER_TOKEN  = null
    CI_SERVER_URL = var.gitlab_url
    RUNNER_TAG    = var.runner_label
  }
  runner_env = var.ci_engine == "github" ? local.github_env : local.gitlab_env
}

# One execution = one ephemeral runner that takes one job and exits, so no job sees another's files.
# GitHub: KEDA's github-runner scaler starts executions while jobs with the label are queued
# (https://learn.microsoft.com/azure/container-apps/tutorial-ci-cd-runners-jobs,
# https://keda.sh/docs/latest/scalers/github-runner/). GitLab has no such scaler: an execution starts every
# minute and runs `gitlab-runner run-single --max-builds 1 --wait-timeout 50`, which takes one job tagged with
# the label if one is pending and exits otherwise (gitlab-org/gitlab-ci-multi-runner!369), so the pipeline never
# has to start it. That poll runs whenever var.poll_schedule matches (cron in UTC:
# https://learn.microsoft.com/azure/container-apps/jobs); every minute, the default, is about one runner container
# always on (bootstrap/README.md states the usage).
resource "azurerm_container_app_job" "runner" {
  name                         = "${var.name}-ci-runner"
  location                     = azurerm_resource_group.this.location
  resource_group_name          = azurerm_resource_group.this.name
  container_app_environment_id = azurerm_container_app_environment.this.id
  workload_profile_name        = "Consumption"
  # The longest job: an apply that creates a cluster and GPU pools.
  replica_timeout_in_seconds = 7200
  replica_retry_limit        = 0

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.runner.id]
  }

  secret {
    name = local.secret_name
    # versionless: a new token version is picked up without a plan that reads the secret's (write-only-driven,
    # hashicorp/terraform-provider-azurerm#33437) version
    key_vault_secret_id = azurerm_key_vault_secret.registration_token.versionless_id
    identity            = azurerm_user_assigned_identity.runner.id
  }

  dynamic "registry" {
    for_each = var.registry_server == null ? [] : [var.registry_server]
    content {
      server   = registry.value
      identity = azurerm_user_assigned_identity.runner.id
    }
  }

  dynamic "event_trigger_config" {
    for_each = var.ci_engine == "github" ? [1] : []
    content {
      parallelism              = 1
      replica_completion_count = 1

      scale {
        min_executions              = 0
        max_executions              = var.max_runners
        polling_interval_in_seconds = 30

        rules {
          name             = "github-runner"
          custom_rule_type = "github-runner"
          metadata = {
            owner       = var.github_owner
            repos       = var.github_repository
            runnerScope = "repo"
            labels      = var.runner_label
          }

          authentication {
            secret_name       = local.secret_name
            trigger_parameter = "personalAccessToken"
          }
        }
      }
    }
  }

  dynamic "schedule_trigger_config" {
    for_each = var.ci_engine == "gitlab" ? [1] : []
    content {
      cron_expression          = var.poll_schedule
      parallelism              = 1
      replica_completion_count = 1
    }
  }

  template {
    container {
      name   = "runner"
      image  = var.runner_image
      cpu    = 2
      memory = "4Gi"

      dynamic "env" {
        for_each = local.runner_env
        content {
          name        = env.key
          value       = env.value
          secret_name = env.value == null ? local.secret_name : null
        }
      }
    }
  }

  tags = var.tags
}
