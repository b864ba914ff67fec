"""cost, review and drift on azurerm_* / azapi resources: AKS pools priced (Spot as Spot), reviewed, categorised."""

from __future__ import annotations

from typing import Any

from mlstrata.cost.estimate import plan_delta
from mlstrata.drift.categories import Category, categorize
from mlstrata.plan import Action, ResourceChange
from mlstrata.plan.model import ResourceMode
from mlstrata.pricing import PriceBook, load_shipped_catalog
from mlstrata.review.checks import PlanFacts, stateful_kind
from mlstrata.review.gate import aks_pool_notes, capacity_hit

AKS = "azurerm_kubernetes_cluster_node_pool"


def _pool(vm_size: str = "Standard_NC24ads_A100_v4", priority: str = "Regular", **extra: Any) -> dict[str, Any]:
    return {"vm_size": vm_size, "priority": priority, "min_count": 0, "max_count": 4, "node_count": 1,
            "auto_scaling_enabled": True, "gpu_driver": "Install", "temporary_name_for_rotation": "trainingtmp",
            **extra}


def _rc(action: Action, before: Any, after: Any, replace_paths: tuple[tuple[Any, ...], ...] = (),
        rtype: str = AKS) -> ResourceChange:
    return ResourceChange(address=f"module.gpu_pool_training.{rtype}.autoscaler_owned[0]",
                          module_address="module.gpu_pool_training", type=rtype, name="autoscaler_owned",
                          mode=ResourceMode.MANAGED, action=action, before=before, after=after,
                          replace_paths=replace_paths)


def test_aks_spot_pool_is_priced_as_spot() -> None:
    book = PriceBook(load_shipped_catalog())
    rows = [("a", AKS, "create", None, _pool(priority="Spot")), ("b", AKS, "create", None, _pool())]
    changes, diags = plan_delta(rows, book, "azure", "eastus")
    assert not diags
    spot, regular = changes
    assert spot.after_rate is not None and regular.after_rate is not None
    assert spot.after_rate.basis == "spot" and regular.after_rate.basis == "on-demand"
    # catalog (eastus, Standard_NC24ads_A100_v4): on-demand 3.673/h, spot 0.444433/h
    assert round(regular.monthly("max")[1] or 0, 2) == round(4 * 3.673 * 730, 2)
    assert (spot.monthly("max")[1] or 0) < (regular.monthly("max")[1] or 0) / 5


def test_cpu_pools_are_not_priced_as_gpu_pools() -> None:
    rows = [("a", AKS, "create", None, {"vm_size": "Standard_D4ds_v5", "min_count": 1, "max_count": 3})]
    changes, _ = plan_delta(rows, PriceBook(load_shipped_catalog()), "azure", "eastus")
    assert changes == []


def test_review_says_a_vm_size_change_rotates_without_drain() -> None:
    rc = _rc(Action.UPDATE, _pool(), _pool(vm_size="Standard_NC48ads_A100_v4"))
    (note,) = aks_pool_notes(rc)
    assert "without a cordon/drain" in note and "trainingtmp" in note
    book = PriceBook(load_shipped_catalog())
    (change,), _ = plan_delta([(rc.address, AKS, "update", rc.before, rc.after)], book, "azure", "eastus")
    hit = capacity_hit(rc, change, "eastus")
    assert hit is not None and "without a cordon/drain" in hit.summary


def test_review_says_gpu_driver_recreates_the_pool_even_without_capacity_change() -> None:
    before = _pool()
    after = {k: v for k, v in before.items() if k != "gpu_driver"}
    rc = _rc(Action.DELETE_THEN_CREATE, before, after, replace_paths=(("gpu_driver",),))
    book = PriceBook(load_shipped_catalog())
    (change,), _ = plan_delta([(rc.address, AKS, "replace", before, after)], book, "azure", "eastus")
    hit = capacity_hit(rc, change, "eastus")
    assert hit is not None and "#30990" in hit.summary and "recreated" in hit.summary


def test_stateful_azure_resources_are_recognised() -> None:
    facts = PlanFacts()
    assert stateful_kind(_rc(Action.DELETE, {"name": "x"}, None, rtype="azurerm_storage_account"),
                         facts) == "artifact bucket"
    assert stateful_kind(_rc(Action.DELETE, {"name": "x"}, None, rtype="azurerm_postgresql_flexible_server"),
                         facts) == "metadata database"
    registry = {"type": "Microsoft.MachineLearningServices/registries@2025-06-01", "name": "r"}
    assert stateful_kind(_rc(Action.DELETE, registry, None, rtype="azapi_resource"), facts) == "model registry"
    workspace = {"type": "Microsoft.MachineLearningServices/workspaces@2025-06-01", "name": "w"}
    assert stateful_kind(_rc(Action.DELETE, workspace, None, rtype="azapi_resource"), facts) == "model registry"
    other = {"type": "Microsoft.Network/virtualNetworks@2024-05-01", "name": "n"}
    assert stateful_kind(_rc(Action.DELETE, other, None, rtype="azapi_resource"), facts) is None


def test_drift_categorises_azurerm_resources() -> None:
    assert categorize("azurerm_role_assignment", []) is Category.IDENTITY
    assert categorize("azurerm_kubernetes_cluster_node_pool", ["node_count"]) is Category.GPU_POOL
    assert categorize("azurerm_key_vault_key", []) is Category.PROTECTION
    assert categorize("azurerm_subnet", []) is Category.NETWORK
    registry = "Microsoft.MachineLearningServices/registries"
    assert categorize("azapi_resource", [], arm_type=registry) is Category.REGISTRY
    assert categorize("azurerm_kubernetes_cluster", ["default_node_pool.0.vm_size"]) is Category.GPU_POOL
    assert categorize("azurerm_storage_account", ["public_network_access_enabled", "tags"]) is Category.PROTECTION
