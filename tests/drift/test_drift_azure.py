"""Drift categories of Azure resources on refresh-only plans in `terraform show -json`'s shape: a generic azapi
resource is categorised by the Azure resource type it declares (its `type`), not filed under one category."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlstrata.drift.categories import Category, categorize
from mlstrata.drift.report import analyze
from mlstrata.engine import Operation, RunReport, Status, Unit, UnitResult
from mlstrata.plan.decode import load_plan

TESTDATA = Path(__file__).resolve().parents[1] / "testdata" / "drift"


def _report() -> dict[str, tuple[Category, list[str]]]:
    results = tuple(
        UnitResult(Unit("prod", layer, Path(f"/x/live/prod/{layer}")), Operation.REFRESH, Status.CHANGES,
                   plan_json=TESTDATA / f"azure_refresh_{layer}.json")
        for layer in ("base", "platform"))
    report = analyze(RunReport(Operation.REFRESH, results), [], [], "2026-12-01T10:00:00Z")
    return {r.address: (r.category, [c.path for c in r.changes]) for r in report.resources}


def test_azapi_resources_are_categorised_by_the_azure_type_they_declare() -> None:
    """The old code filed every azapi_resource under "registry": the Redis access policy assignment (who may read
    the online store) was a registry drift, and a cache declared through azapi would have been one too."""
    assert _report() == {
        # Microsoft.MachineLearningServices/registries@2025-06-01: the stage's model registry
        "module.model_registry.azapi_resource.registry": (
            Category.REGISTRY, ["body.properties.publicNetworkAccess"]),
        "module.model_registry.azapi_resource.workspace": (Category.DELETED, []),
        # Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments@2025-04-01: a data-access grant
        "module.feature_store_online.azapi_resource.feast_access": (
            Category.IDENTITY, ["body.properties.user.objectId"]),
        "module.feature_store_online.azurerm_managed_redis.this": (
            Category.FEATURE_STORE, ["default_database.0.eviction_policy"]),
    }


def test_the_arm_type_is_read_from_the_azapi_resource_without_its_api_version() -> None:
    plan, diags = load_plan(TESTDATA / "azure_refresh_platform.json")
    assert plan is not None and not diags
    kinds = {rc.address: rc.arm_type for rc in plan.resource_drift}
    assert kinds == {
        "module.feature_store_online.azapi_resource.feast_access":
            "Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments",
        "module.feature_store_online.azurerm_managed_redis.this": "",
    }


@pytest.mark.parametrize(("resource_type", "arm_type", "paths", "category"), [
    ("azapi_resource", "Microsoft.MachineLearningServices/registries", ["tags.a"], Category.REGISTRY),
    ("azapi_resource", "Microsoft.MachineLearningServices/workspaces", ["body.properties.hbiWorkspace"],
     Category.REGISTRY),
    # ARM resource types are case-insensitive
    ("azapi_resource", "microsoft.cache/redisenterprise/databases/accesspolicyassignments",
     ["body.properties.user.objectId"], Category.IDENTITY),
    ("azapi_resource", "Microsoft.Authorization/roleAssignments", ["body.properties.principalId"], Category.IDENTITY),
    ("azapi_resource", "Microsoft.KeyVault/vaults", ["tags.a"], Category.PROTECTION),
    ("azapi_resource", "Microsoft.Network/privateEndpoints", ["tags.a"], Category.NETWORK),
    ("azapi_resource", "Microsoft.ContainerService/managedClusters/agentPools", ["body.properties.count"],
     Category.GPU_POOL),
    # a cache is the feature store's online store unless what changed says more: its body's camelCase names
    # read as Terraform's attribute names
    ("azapi_resource", "Microsoft.Cache/redisEnterprise", ["tags.team"], Category.FEATURE_STORE),
    ("azapi_resource", "Microsoft.Cache/redisEnterprise", ["body.properties.minimumTlsVersion"],
     Category.PROTECTION),
    ("azapi_resource", "Microsoft.Cache/redisEnterprise/databases", ["body.properties.evictionPolicy"],
     Category.FEATURE_STORE),
    ("azurerm_managed_redis", "", ["public_network_access"], Category.PROTECTION),
    ("azurerm_managed_redis", "", ["default_database.0.eviction_policy"], Category.FEATURE_STORE),
    # a type no row names is judged by its attributes, like any general resource
    ("azapi_resource", "Microsoft.App/jobs", ["body.properties.configuration.secrets"], Category.OTHER),
    ("azapi_resource", "Microsoft.App/jobs", ["body.properties.publicNetworkAccess"], Category.PROTECTION),
])
def test_azure_categories(resource_type: str, arm_type: str, paths: list[str], category: Category) -> None:
    assert categorize(resource_type, paths, arm_type=arm_type) is category
