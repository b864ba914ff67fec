"""Drift analysis on a refresh-only plan of AWS resources: categories, before -> after, sensitive values,
allowances from the spec, since-when, one failing unit not hiding the others, and every view."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from mlstrata.diagnostics import Diagnostic, Severity
from mlstrata.drift.categories import Category, categorize
from mlstrata.drift.history import HistoryRecord, append_history, read_history, since_of
from mlstrata.drift.report import DriftReport, analyze, record_of
from mlstrata.engine import Operation, RunReport, Status, Unit, UnitResult
from mlstrata.spec.models import DriftAllowance
from mlstrata.views.drift import render_markdown, to_sarif

TESTDATA = Path(__file__).resolve().parents[1] / "testdata"
PLAN = TESTDATA / "drift" / "aws_refresh.json"
SARIF_SCHEMA = TESTDATA / "rules" / "sarif" / "sarif-schema-2.1.0.json"

AUTOSCALER = DriftAllowance(resource="module.gpu_pool_*.aws_eks_node_group.this",
                            attributes=["scaling_config.*.desired_size"], envs=["prod"],
                            reason="the cluster autoscaler owns the node count")


def _run(prod_plan: Path | None = PLAN, failed: bool = False) -> RunReport:
    prod = UnitResult(Unit("prod", "platform", Path("/x/live/prod/platform")), Operation.REFRESH, Status.CHANGES,
                      plan_json=prod_plan)
    dev = UnitResult(Unit("dev", "base", Path("/x/live/dev/base")), Operation.REFRESH,
                     Status.FAILED if failed else Status.NO_CHANGES,
                     (Diagnostic(Severity.ERROR, "Error acquiring the state lock", code="engine.locked"),)
                     if failed else ())
    return RunReport(Operation.REFRESH, (dev, prod))


def _report(allow: list[DriftAllowance] | None = None, failed: bool = False,
            history: list[HistoryRecord] | None = None) -> DriftReport:
    return analyze(_run(failed=failed), allow or [], history or [], "2026-11-23T10:00:00Z")


def test_each_drifted_resource_gets_its_category_and_before_after() -> None:
    report = _report()
    got = {r.address.split(".")[1]: (r.category, [(c.path, c.before, c.after) for c in r.changes])
           for r in report.resources}
    assert got == {
        "gpu_pool_training": (Category.GPU_POOL, [("scaling_config.0.desired_size", 1, 3)]),
        "gpu_pool_serving": (Category.GPU_POOL, [("instance_types.0", "g6.2xlarge", "p5.48xlarge")]),
        "cluster": (Category.IDENTITY, [("policy", '{"Statement":[]}', '{"Statement":[{"Action":"s3:*"}]}')]),
        "artifacts_datasets": (Category.DELETED, []),
        "network": (Category.NETWORK, [("ingress.0.cidr_blocks.0", "(absent)", "0.0.0.0/0"),
                                       ("ingress.0.from_port", "(absent)", 22),
                                       ("ingress.0.to_port", "(absent)", 22)]),
        "metadata_store": (Category.PROTECTION, [("deletion_protection", True, False),
                                                 ("password", "(sensitive)", "(sensitive)")]),
        "pipeline_queue": (Category.OTHER, [("tags.owner", "a", "b")]),
    }
    assert "secret-value" not in json.dumps(report.to_dict())
    assert report.exit_code == 2


@pytest.mark.parametrize(("resource_type", "paths", "category"), [
    ("mlstrata_registry_permissions", ["grants.x"], Category.REGISTRY),
    ("mlstrata_artifact_bucket", ["retention_days"], Category.REGISTRY),
    ("mlstrata_artifact_bucket", ["access.model-serving"], Category.IDENTITY),
    ("mlstrata_artifact_bucket", ["force_destroy", "retention_days"], Category.PROTECTION),
    ("mlstrata_service_account", ["is_admin"], Category.IDENTITY),
    ("mlstrata_gpu_pool", ["max"], Category.GPU_POOL),
    ("mlstrata_metadata_store", ["uri"], Category.OTHER),
    ("aws_s3_bucket_lifecycle_configuration", ["rule.0.expiration.0.days"], Category.REGISTRY),
    ("aws_kms_key", ["deletion_window_in_days"], Category.PROTECTION),
    ("aws_sagemaker_model_package_group", ["tags.a"], Category.REGISTRY),
    ("aws_subnet", ["map_public_ip_on_launch"], Category.NETWORK),
    ("aws_eks_cluster", ["vpc_config.0.endpoint_public_access"], Category.NETWORK),
    ("aws_eks_cluster", ["encryption_config.0.resources.0"], Category.PROTECTION),
])
def test_categories_for_local_and_aws_types(resource_type: str, paths: list[str], category: Category) -> None:
    assert categorize(resource_type, paths) is category


def test_allowed_drift_is_reported_as_allowed_with_its_reason_only_where_it_applies() -> None:
    report = _report([AUTOSCALER])
    allowed = [r.address for r in report.allowed]
    assert allowed == ["module.gpu_pool_training.aws_eks_node_group.this"]
    assert report.allowed[0].allowed_reason == "the cluster autoscaler owns the node count"
    # the instance type change of the other pool is not covered by an allowance on desired_size
    assert "module.gpu_pool_serving.aws_eks_node_group.this" in [r.address for r in report.unallowed]
    only_dev = AUTOSCALER.model_copy(update={"envs": ["dev"]})
    assert _report([only_dev]).allowed == []


def test_only_allowed_drift_exits_0() -> None:
    everything = DriftAllowance(resource="*", reason="a sandbox where anything goes")
    report = _report([everything])
    assert report.exit_code == 0 and len(report.allowed) == 7


def test_a_failing_unit_does_not_hide_the_drift_of_the_others() -> None:
    report = _report(failed=True)
    assert report.exit_code == 1
    assert {u.unit: u.status for u in report.units} == {"dev/base": "failed", "prod/platform": "drift"}
    assert len(report.resources) == 7
    assert "dev/base" in render_markdown(report)


def test_since_counts_the_unbroken_streak_of_runs_that_checked_the_unit(tmp_path: Path) -> None:
    key = ("prod/platform", "module.x.aws_subnet.a")
    runs = [
        HistoryRecord("2026-01-01T00:00:00Z", ("prod/platform",), (key,)),
        HistoryRecord("2026-01-02T00:00:00Z", ("prod/platform",), ()),  # clean: the streak restarts after it
        HistoryRecord("2026-01-03T00:00:00Z", ("prod/platform",), (key,)),
        HistoryRecord("2026-01-04T00:00:00Z", ("dev/base",), ()),  # did not check the unit
        HistoryRecord("2026-01-05T00:00:00Z", ("prod/platform",), (key,)),
    ]
    assert since_of(key, runs, "2026-01-06T00:00:00Z") == "2026-01-03T00:00:00Z"
    assert since_of(("prod/platform", "other"), runs, "2026-01-06T00:00:00Z") == "2026-01-06T00:00:00Z"
    for record in runs:
        append_history(tmp_path, record)
    with (tmp_path / ".mlstrata" / "drift-history.jsonl").open("a") as broken:
        broken.write("not json\n")
    read, diags = read_history(tmp_path)
    assert read == runs and diags[0].code == "drift.history"
    report = _report(history=read)
    since = {r.address: r.since for r in report.resources}
    assert since["module.network.aws_security_group.nodes"] == "2026-11-23T10:00:00Z"
    record = record_of(report, "2026-11-23T10:00:00Z")
    assert record.units == ("dev/base", "prod/platform") and len(record.drifted) == 7
    assert record_of(_report(failed=True), "t").units == ("prod/platform",)  # a failed unit was not checked


def test_sarif_is_valid_and_marks_allowed_drift_as_suppressed() -> None:
    sarif = to_sarif(_report([AUTOSCALER]))
    jsonschema.validate(sarif, json.loads(SARIF_SCHEMA.read_text()))
    results = sarif["runs"][0]["results"]  # type: ignore[index]
    suppressed = [r for r in results if "suppressions" in r]
    assert len(results) == 7 and len(suppressed) == 1
    assert suppressed[0]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].startswith(
        "module.gpu_pool_training")


def test_a_unit_whose_state_holds_no_resource_is_not_applied_not_clean(tmp_path: Path) -> None:
    # never applied, or destroyed: its refresh-only plan compares nothing, so "clean" would claim a check that did
    # not happen (parity already said "not applied" of the same unit); a unit with resources and no drift stays clean
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps({"format_version": "1.2", "terraform_version": "1.11.4", "resource_changes": [],
                                 "prior_state": {"format_version": "1.0", "values": {"root_module": {}}},
                                 "output_changes": {"bucket": {"actions": ["create"], "before": None, "after": "b"}}}))
    held = json.loads(empty.read_text())
    held["prior_state"]["values"]["root_module"] = {"child_modules": [{"address": "module.registry", "resources": [
        {"address": "module.registry.aws_s3_bucket.this", "mode": "managed", "type": "aws_s3_bucket", "name": "this",
         "values": {"bucket": "b"}}]}]}
    kept = tmp_path / "held.json"
    kept.write_text(json.dumps(held))
    units = []
    for name, path in (("empty", empty), ("held", kept)):
        units.append(UnitResult(Unit(name, "base", Path(f"/x/live/{name}/base")), Operation.REFRESH, Status.CHANGES,
                                plan_json=path))
    report = analyze(RunReport(Operation.REFRESH, tuple(units)), [], [], "2026-11-23T10:00:00Z")
    assert {u.unit: u.status for u in report.units} == {"empty/base": "not applied", "held/base": "clean"}
    note = next(u for u in report.units if u.unit == "empty/base").diagnostics
    assert [(d.severity, d.code) for d in note] == [(Severity.INFO, "drift.not_applied")]
    # the drift history counts only units really checked: since-when of later drift must not start at a non-check
    assert record_of(report, "2026-11-23T10:00:00Z").units == ("held/base",)
