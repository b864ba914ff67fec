"""Review classes of the platform services: a Feast table or online store destroyed is stateful (MLR001),
a serving endpoint or KServe release destroyed or replaced is MLR008 (blocking where protected)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mlstrata.diagnostics import Severity
from mlstrata.review.gate import review_files


def _change(address: str, rtype: str, actions: list[str], before: dict[str, Any],
            after: dict[str, Any] | None = None) -> dict[str, Any]:
    name = address.rsplit(".", 1)[-1]
    return {"address": address, "mode": "managed", "type": rtype, "name": name,
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {"actions": actions, "before": before, "after": after,
                       "after_unknown": {}, "before_sensitive": {}, "after_sensitive": {}}}


def _review(tmp_path: Path, env: str, changes: list[dict[str, Any]]) -> list[tuple[str, Severity, str]]:
    plan = tmp_path / "live" / env / "platform" / ".mlstrata" / "plan.json"
    plan.parent.mkdir(parents=True)
    plan.write_text(json.dumps({"format_version": "1.2", "terraform_version": "1.10.0",
                                "resource_changes": changes}))
    reviews, problems = review_files([plan], env=env)
    assert problems == []
    return sorted((d.code, d.severity, d.path) for r in reviews for d in r.findings)


CHANGES = [
    # Feast's own table name (<project>.<feature view>) and a cache named for the feature store
    _change("aws_dynamodb_table.driver_stats", "aws_dynamodb_table", ["delete"], {"name": "acme_ml.driver_stats"}),
    _change("module.feature_store_online.aws_elasticache_replication_group.this", "aws_elasticache_replication_group",
            ["delete", "create"], {"replication_group_id": "acme-ml-prod-feast"}, {"replication_group_id": "x"}),
    # a lock table is not a feature store table
    _change("aws_dynamodb_table.locks", "aws_dynamodb_table", ["delete"], {"name": "terraform-locks"}),
    _change("aws_sagemaker_endpoint.fraud", "aws_sagemaker_endpoint", ["delete", "create"],
            {"name": "fraud-api"}, {"name": "fraud-api-2"}),
    _change("module.kserve.helm_release.kserve_crd", "helm_release", ["delete"],
            {"name": "kserve-crd", "chart": "kserve-crd"}),
    _change("module.kserve.helm_release.serving_class[\"fraud-api\"]", "helm_release", ["delete"],
            {"name": "serving-class-fraud-api", "chart": "./modules/kserve/serving-class"}),
    _change("helm_release.grafana", "helm_release", ["delete"], {"name": "grafana", "chart": "grafana"}),
]


def test_feature_store_destroy_is_stateful_and_endpoint_replacement_is_reported(tmp_path: Path) -> None:
    found = _review(tmp_path, "dev", CHANGES)
    assert ("MLR001", Severity.ERROR, "aws_dynamodb_table.driver_stats") in found
    assert ("MLR001", Severity.ERROR,
            "module.feature_store_online.aws_elasticache_replication_group.this") in found
    assert not any(path == "aws_dynamodb_table.locks" for _, _, path in found)
    endpoints = [(sev, path) for code, sev, path in found if code == "MLR008"]
    assert endpoints == [(Severity.WARNING, "aws_sagemaker_endpoint.fraud"),
                         (Severity.WARNING, "module.kserve.helm_release.kserve_crd"),
                         (Severity.WARNING, 'module.kserve.helm_release.serving_class["fraud-api"]')]


def test_endpoint_replacement_blocks_in_a_protected_environment(tmp_path: Path) -> None:
    found = _review(tmp_path, "prod", CHANGES[3:4])
    assert ("MLR008", Severity.ERROR, "aws_sagemaker_endpoint.fraud") in found


def test_a_protected_endpoint_destroy_is_one_finding_not_two(tmp_path: Path) -> None:
    # MLR005 (any destroy where protected) and MLR008 (endpoint replaced) describe the same change: only the
    # more specific, blocking MLR008 is reported; a non-serving release keeps MLR005.
    found = _review(tmp_path, "prod", CHANGES[3:])
    by_path: dict[str, list[str]] = {}
    for code, _, path in found:
        by_path.setdefault(path, []).append(code)
    assert by_path == {
        "aws_sagemaker_endpoint.fraud": ["MLR008"],
        "module.kserve.helm_release.kserve_crd": ["MLR008"],
        'module.kserve.helm_release.serving_class["fraud-api"]': ["MLR008"],
        "helm_release.grafana": ["MLR005"],
    }
    assert all(sev is Severity.ERROR for code, sev, _ in found if code == "MLR008")


def test_moving_the_azure_online_store_to_managed_redis_blocks_until_accepted(tmp_path: Path) -> None:
    """The upgrade from Azure Cache for Redis to Azure Managed Redis: the old cache (another resource type, so no
    `moved` block can carry it) is destroyed and the new one created; the online store's rows are lost until the
    next materialisation. The gate holds the destroy as a stateful loss (MLR001, blocking) in every environment,
    as it does for any other online store, and names the new cache as an online store too."""
    changes = [
        _change("module.feature_store_online.azurerm_redis_cache.this", "azurerm_redis_cache", ["delete"],
                {"name": "acme-ml-prod-feast-27f8"}),
        _change("module.feature_store_online.azurerm_managed_redis.this", "azurerm_managed_redis",
                ["delete", "create"], {"name": "acme-ml-prod-feast-27f8"}, {"name": "acme-ml-prod-feast-27f8"}),
    ]
    for env in ("dev", "prod"):
        found = _review(tmp_path / env, env, changes)
        stateful = {path for code, sev, path in found if code == "MLR001" and sev is Severity.ERROR}
        assert stateful == {"module.feature_store_online.azurerm_redis_cache.this",
                            "module.feature_store_online.azurerm_managed_redis.this"}, (env, found)
