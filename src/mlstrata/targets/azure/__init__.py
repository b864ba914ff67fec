"""The Azure target: AKS GPU node pools, CMK-encrypted storage accounts, Azure ML registries (azapi),
PostgreSQL Flexible Server, Service Bus, workload identity; azurerm state, one subscription per environment."""
