"""review, drift and cost understand google_* resources: GKE node pools are GPU capacity (priced from the
catalog), GCP IAM grants widen access, bucket and database protections switch off, categories fit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mlstrata.cost.estimate import plan_delta, platform_cost
from mlstrata.diagnostics import Severity
from mlstrata.drift.categories import Category, categorize
from mlstrata.pricing import PriceBook, load_shipped_catalog
from mlstrata.review.gate import review_files
from mlstrata.spec.load import load_spec
from mlstrata.spec.resolve import resolve
from mlstrata.targets.registry import TARGETS

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "gcp" / "platform.yaml"


@pytest.fixture(scope="module")
def book() -> PriceBook:
    return PriceBook(load_shipped_catalog())


def _pool(machine: str, *, total_max: int | None = None, node_count: int | None = None, zones: int = 3,
          spot: bool = False, driver: str = "LATEST") -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": "training",
        "node_locations": [f"us-central1-{z}" for z in "abcf"[:zones]],
        "node_count": node_count,
        "node_config": [{"machine_type": machine, "spot": spot, "guest_accelerator": [
            {"type": "nvidia-h100-80gb", "count": 8,
             "gpu_driver_installation_config": [{"gpu_driver_version": driver}]}]}],
        "autoscaling": [{"total_min_node_count": 0, "total_max_node_count": total_max,
                         "min_node_count": 0, "max_node_count": 0}] if total_max else [],
    }
    return values


def test_gke_pool_changes_are_priced_from_the_catalog(book: PriceBook) -> None:
    before = _pool("a3-highgpu-8g", total_max=2)
    after = _pool("a3-highgpu-8g", total_max=6)
    pools, diags = plan_delta([("module.gpu_pool_training.google_container_node_pool.this",
                                "google_container_node_pool", "update", before, after)], book, "gcp", "us-east4")
    assert not diags
    (change,) = pools
    assert change.before is not None and change.after is not None
    assert (change.before.max, change.after.max) == (2, 6)
    hourly = change.after_rate.price.usd_per_hour if change.after_rate else 0
    assert hourly > 50  # 8 x H100 on demand
    _, _, delta = change.monthly("max")
    assert delta is not None and delta == pytest.approx(4 * hourly * 730, rel=0.01)


def test_node_count_is_per_zone(book: PriceBook) -> None:
    fixed = _pool("g2-standard-8", node_count=2, zones=3)
    pools, _ = plan_delta([("google_container_node_pool.l4", "google_container_node_pool", "create", None, fixed)],
                          book, "gcp", "us-central1")
    assert pools[0].after is not None and pools[0].after.desired == 6


def test_cost_of_the_example_prices_gke_pools_and_names_tpu_pools(book: PriceBook) -> None:
    spec = load_spec(EXAMPLE, targets=TARGETS)
    report = platform_cost(spec.platform, resolve(spec.platform, spec.source.data), book, spec.source)
    assert report.cloud == "gcp"
    unpriced = [(e.name, p.pool) for e in report.envs for p in e.pools if not p.priced]
    assert not unpriced and len(report.envs) == 3
    tpu = [d for d in report.diagnostics if d.code == "cost.tpu_unpriced"]
    assert len(tpu) == 3 and all(d.severity is Severity.WARNING for d in tpu)


def _plan(tmp_path: Path, changes: list[dict[str, Any]], env: str = "prod") -> Path:
    unit = tmp_path / "infra" / "live" / env / "base"
    unit.mkdir(parents=True)
    (unit / "main.tf").write_text("# unit\n")
    plan = {"format_version": "1.2", "terraform_version": "1.11.4", "resource_changes": changes,
            "configuration": {"provider_config": {"google": {"name": "google", "expressions": {
                "region": {"constant_value": "us-central1"}}}}, "root_module": {}}}
    path = unit / "plan.json"
    path.write_text(json.dumps(plan))
    return path


def _rc(address: str, rtype: str, actions: list[str], before: Any, after: Any) -> dict[str, Any]:
    return {"address": address, "mode": "managed", "type": rtype, "name": address.rsplit(".", 1)[-1],
            "provider_name": "registry.terraform.io/hashicorp/google",
            "change": {"actions": actions, "before": before, "after": after, "after_unknown": {},
                       "before_sensitive": {}, "after_sensitive": {}}}


def test_review_reads_gke_iam_protection_and_driver_replacement(tmp_path: Path) -> None:
    changes = [
        _rc("google_project_iam_member.ci", "google_project_iam_member", ["create"], None,
            {"project": "p", "role": "roles/editor", "member": "serviceAccount:ci@p.iam.gserviceaccount.com"}),
        _rc("google_storage_bucket_iam_member.public", "google_storage_bucket_iam_member", ["create"], None,
            {"bucket": "b", "role": "roles/storage.objectViewer", "member": "allUsers"}),
        _rc("google_storage_bucket_iam_member.reader", "google_storage_bucket_iam_member", ["create"], None,
            {"bucket": "b", "role": "roles/storage.objectViewer", "member": "group:ml@example.com"}),
        _rc("google_storage_bucket.models", "google_storage_bucket", ["update"],
            {"name": "models", "versioning": [{"enabled": True}], "public_access_prevention": "enforced",
             "uniform_bucket_level_access": True, "force_destroy": False},
            {"name": "models", "versioning": [{"enabled": False}], "public_access_prevention": "inherited",
             "uniform_bucket_level_access": True, "force_destroy": False}),
        _rc("google_sql_database_instance.registry", "google_sql_database_instance", ["delete", "create"],
            {"name": "registry", "deletion_protection": True}, {"name": "registry", "deletion_protection": True}),
        _rc("google_container_node_pool.training", "google_container_node_pool", ["delete", "create"],
            _pool("a3-highgpu-8g", total_max=4, driver="DEFAULT"), _pool("a3-highgpu-8g", total_max=4)),
    ]
    reviews, problems = review_files([_plan(tmp_path, changes)], env="prod")
    assert not problems
    findings = reviews[0].findings
    text = "\n".join(f"{d.code} {d.path}: {d.summary} ({d.detail})" for d in findings)
    assert "grants roles/editor to serviceAccount:ci@p.iam.gserviceaccount.com" in text
    assert "grants roles/storage.objectViewer to allUsers" in text
    assert "group:ml@example.com" not in text  # a scoped read grant is not a widening
    assert "versioning" in text and "public access prevention" in text
    assert "metadata database `registry` is replaced" in text
    assert "gpu_driver_version DEFAULT -> LATEST replaces" in text and "issues/23248" in text
    assert reviews[0].pool_changes and reviews[0].pool_changes[0].address == "google_container_node_pool.training"


@pytest.mark.parametrize(("rtype", "paths", "expected"), [
    ("google_container_node_pool", ["node_config.0.taint"], Category.GPU_POOL),
    ("google_storage_bucket_iam_member", ["member"], Category.IDENTITY),
    ("google_service_account", ["display_name"], Category.IDENTITY),
    ("google_kms_crypto_key", ["rotation_period"], Category.PROTECTION),
    ("google_artifact_registry_repository", ["labels"], Category.REGISTRY),
    ("google_compute_subnetwork", ["secondary_ip_range"], Category.NETWORK),
    ("google_storage_bucket", ["public_access_prevention"], Category.PROTECTION),
    ("google_storage_bucket", ["uniform_bucket_level_access"], Category.PROTECTION),
    ("google_container_cluster", ["node_locations"], Category.GPU_POOL),
])
def test_drift_categorises_google_resources(rtype: str, paths: list[str], expected: Category) -> None:
    assert categorize(rtype, paths) is expected
