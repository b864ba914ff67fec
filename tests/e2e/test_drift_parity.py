"""Issue 5 end to end on the local quickstart: changes made outside Terraform (an extra registry
permission in staging, a bucket's retention, a registered model deleted in dev) are exactly what
`mlstrata drift` reports, read-only; `mlstrata parity` sees the staging-only permission; apply repairs."""

from __future__ import annotations

import importlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest
from support.cli import CliResult
from support.cli import mlstrata as run_cli

REPO = Path(__file__).resolve().parents[2]
SARIF_SCHEMA = REPO / "tests" / "testdata" / "rules" / "sarif" / "sarif-schema-2.1.0.json"


PERMISSIONS = 'module.registry_access.mlstrata_registry_permissions.this["fraud-detector"]'
BUCKET = "module.artifacts_datasets.mlstrata_artifact_bucket.this"
MODEL = 'module.model_registry.mlstrata_registered_model.this["recommender"]'


@dataclass
class Platform:
    root: Path
    env: dict[str, str]

    @property
    def infra(self) -> Path:
        return self.root / "infra"

    def platform_dir(self, env: str) -> Path:
        return self.infra / ".mlstrata" / "platform" / env

    def mlstrata(self, *args: str) -> CliResult:
        return run_cli(*args, cwd=self.root, env=self.env, process=True)

    def drift_json(self, *args: str) -> tuple[int, dict[str, object]]:
        proc = self.mlstrata("drift", "--format", "json", *args)
        assert proc.returncode in (0, 2), proc.stdout + proc.stderr
        return proc.returncode, json.loads(proc.stdout)


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    root = tmp_path_factory.mktemp("drift")
    shutil.copy(REPO / "examples" / "quickstart" / "platform.yaml", root / "platform.yaml")
    env = {**os.environ, "XDG_DATA_HOME": str(root / "xdg"), "NO_COLOR": "1", "COLUMNS": "200"}
    env.pop("MLSTRATA_TERRAFORM", None)
    qs = Platform(root, env)
    proc = qs.mlstrata("up", "--env", "dev", "--env", "staging", "--env", "prod", "--yes")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    yield qs


def _snapshot(qs: Platform) -> dict[str, tuple[bytes, int]]:
    """Bytes and modification time of every file of the platforms and of every state."""
    found = {}
    for folder in (qs.infra / ".mlstrata" / "platform", qs.infra / ".mlstrata" / "state"):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                found[str(path.relative_to(qs.infra))] = (path.read_bytes(), path.stat().st_mtime_ns)
    return found


def _serials(qs: Platform) -> dict[str, int]:
    return {str(p.relative_to(qs.infra)): json.loads(p.read_text())["serial"]
            for p in sorted((qs.infra / ".mlstrata" / "state").rglob("*.tfstate"))}


def test_no_drift_right_after_up(platform: Platform) -> None:
    code, report = platform.drift_json()
    assert code == 0
    assert report["resources"] == []
    units = report["units"]
    assert isinstance(units, list) and {u["status"] for u in units} == {"clean"} and len(units) == 6


def test_drift_reports_exactly_the_three_changes_read_only(platform: Platform) -> None:
    auth = importlib.import_module("mlflow.server.auth.sqlalchemy_store").SqlAlchemyStore()
    auth.init_db(f"sqlite:///{platform.platform_dir('staging')}/registries/quickstart-staging/auth.db")
    auth.create_user("contractor", "not-a-secret-just-a-test-pw-1")
    auth.create_registered_model_permission("fraud-detector", "contractor", "EDIT")
    meta = platform.platform_dir("dev") / "buckets" / "quickstart-dev-datasets" / ".mlstrata-bucket.json"
    config = json.loads(meta.read_text())
    config["retention_days"] = 7
    meta.write_text(json.dumps(config))
    mlflow = importlib.import_module("mlflow")
    tracking = f"sqlite:///{platform.platform_dir('dev')}/registries/quickstart-dev/mlflow.db"
    mlflow.MlflowClient(tracking_uri=tracking).delete_registered_model("recommender")

    before, serials = _snapshot(platform), _serials(platform)
    code, report = platform.drift_json()
    assert _snapshot(platform) == before, "drift wrote to a platform or a state"
    assert _serials(platform) == serials

    assert code == 2
    resources = report["resources"]
    assert isinstance(resources, list)
    found = {(r["unit"], r["address"]): r for r in resources}
    # the user made by hand is in no state: drift says so (unmanaged), beside the grant it was given
    user = ("staging/base", 'mlstrata_service_account "quickstart-staging/contractor"')
    assert sorted(found) == [("dev/base", BUCKET), ("dev/base", MODEL), user, ("staging/platform", PERMISSIONS)]
    assert found[user]["category"] == "unmanaged" and found[user]["unmanaged"] is True
    grant = found[("staging/platform", PERMISSIONS)]
    assert grant["category"] == "registry"
    assert grant["changes"] == [{"path": "grants.contractor", "before": "(absent)", "after": "EDIT"}]
    retention = found[("dev/base", BUCKET)]
    assert retention["category"] == "registry"
    assert retention["changes"] == [{"path": "retention_days", "before": 90, "after": 7}]
    deleted = found[("dev/base", MODEL)]
    assert deleted["category"] == "deleted" and deleted["deleted"] is True
    assert not any(r["allowed"] for r in resources)
    history = (platform.infra / ".mlstrata" / "drift-history.jsonl").read_text().splitlines()
    assert len(history) == 2 and json.loads(history[-1])["drifted"]

    # a second run, as SARIF: the same four results, drifted since the first run
    proc = platform.mlstrata("drift", "--format", "sarif")
    assert proc.returncode == 2, proc.stderr
    sarif = json.loads(proc.stdout)
    jsonschema.validate(sarif, json.loads(SARIF_SCHEMA.read_text()))
    results = sarif["runs"][0]["results"]
    assert sorted(r["ruleId"] for r in results) == [
        "drift/deleted", "drift/registry", "drift/registry", "drift/unmanaged"]
    first_since = {r["since"] for r in resources if not r.get("unmanaged")}
    assert len(first_since) == 1
    assert all(f"Drifted since {next(iter(first_since))}" in r["message"]["text"] for r in results
               if r["ruleId"] != "drift/unmanaged")
    markdown = platform.mlstrata("drift", "--format", "markdown", "--env", "staging")
    assert markdown.returncode == 2 and "grants.contractor: (absent) -> EDIT" in markdown.stdout
    assert "retention_days" not in markdown.stdout


def test_parity_reports_the_staging_only_permission_and_nothing_the_spec_allows(
        platform: Platform, tmp_path: Path) -> None:
    html, png = tmp_path / "parity.html", tmp_path / "parity.png"
    proc = platform.mlstrata("parity", "--envs", "staging,prod", "--format", "json", "--html", str(html),
                             "--png", str(png))
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert report["levels"] == ["spec", "config", "state"]
    findings = [d for d in report["differences"] if d["status"] == "finding"]
    assert [(d["level"], d["key"], d["values"]) for d in findings] == [
        ("state", f"platform:{PERMISSIONS}.grants.contractor", {"prod": "(absent)", "staging": "EDIT"})]
    assert report["matrix"]["model_registry"]["staging"]["finding"] == 1
    declared = {d["key"] for d in report["differences"] if d["status"] == "declared"}
    assert "environment.protect" in declared
    assert "grants.contractor" in html.read_text()
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plan_and_apply_make_drift_clean_again(platform: Platform) -> None:
    plan = platform.mlstrata("plan", "--env", "dev", "--env", "staging")
    assert plan.returncode == 0, plan.stderr
    apply = platform.mlstrata("apply", "--env", "dev", "--env", "staging")
    assert apply.returncode == 0, apply.stderr
    # apply revokes the grant; the hand-made user is no spec's to delete, so drift still names it
    code, report = platform.drift_json()
    assert code == 2 and [r["category"] for r in report["resources"]] == ["unmanaged"]
    auth = importlib.import_module("mlflow.server.auth.sqlalchemy_store").SqlAlchemyStore()
    auth.init_db(f"sqlite:///{platform.platform_dir('staging')}/registries/quickstart-staging/auth.db")
    auth.delete_user("contractor")  # what its hint says: delete it (or import it)
    code, report = platform.drift_json()
    assert code == 0 and report["resources"] == []
    parity = platform.mlstrata("parity", "--envs", "staging,prod", "--state", "saved", "--format", "json")
    assert parity.returncode == 0, parity.stdout + parity.stderr
