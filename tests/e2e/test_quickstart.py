"""The newcomer's main job, end to end: `mlstrata up` on examples/quickstart with real Terraform,
the real local provider and real MLflow; then drift and parity of changes made outside Terraform (issue 5),
no-op plan, protection and destroy. One platform is brought up for the whole file: each `up` of the three
environments costs about a minute of CPU, so the drift tests share it rather than bringing up their own."""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest
from support.cli import CliResult
from support.cli import mlstrata as run_cli

REPO = Path(__file__).resolve().parents[2]
SARIF_SCHEMA = REPO / "tests" / "testdata" / "rules" / "sarif" / "sarif-schema-2.1.0.json"

# The suite's longest file (~400 s of CPU in 17 tests): marked slow so that tests/conftest.py starts it among the
# first files on a worker; started after the other end-to-end files it could run on alone at the end.
pytestmark = pytest.mark.slow

PERMISSIONS = 'module.registry_access.mlstrata_registry_permissions.this["fraud-detector"]'
BUCKET = "module.artifacts_datasets.mlstrata_artifact_bucket.this"
MODEL = 'module.model_registry.mlstrata_registered_model.this["recommender"]'


@dataclass
class Quickstart:
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

    def outputs(self, env: str, layer: str) -> dict[str, object]:
        proc = self.mlstrata("output", "--env", env, "--layer", layer, "--format", "json")
        assert proc.returncode == 0, proc.stderr
        (unit,) = json.loads(proc.stdout)["units"]
        return {name: o["value"] for name, o in unit["outputs"].items()}


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Quickstart]:
    root = tmp_path_factory.mktemp("quickstart")
    shutil.copy(REPO / "examples" / "quickstart" / "platform.yaml", root / "platform.yaml")
    env = {**os.environ, "XDG_DATA_HOME": str(root / "xdg"), "NO_COLOR": "1", "COLUMNS": "200"}
    env.pop("MLSTRATA_TERRAFORM", None)
    qs = Quickstart(root, env)
    proc = qs.mlstrata("up", "--yes")  # every environment but the protected one: --yes does not name it
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "skipping protected environment(s) prod" in proc.stderr and "MLflow UI of prod" not in proc.stderr
    assert not (qs.infra / ".mlstrata" / "state" / "prod").exists(), "up touched prod without it being named"
    summary = proc.stderr[proc.stderr.index("what exists now"):]
    assert summary.index("quickstart-dev") < summary.index("quickstart-staging")
    assert "fraud-detector, recommender" in summary
    prod = qs.mlstrata("up", "--env", "prod", "--yes")
    assert prod.returncode == 0, prod.stdout + prod.stderr
    assert "MLflow UI of prod" in prod.stderr
    yield qs


def _auth_store(qs: Quickstart, env: str):  # type: ignore[no-untyped-def]
    store = importlib.import_module("mlflow.server.auth.sqlalchemy_store").SqlAlchemyStore()
    store.init_db(f"sqlite:///{qs.infra}/.mlstrata/platform/{env}/registries/quickstart-{env}/auth.db")
    return store


def test_up_applied_every_environment_and_a_second_plan_is_a_no_op(quickstart: Quickstart) -> None:
    proc = quickstart.mlstrata("plan", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert sorted(u["unit"] for u in report["units"]) == [
        "dev/base", "dev/platform", "prod/base", "prod/platform", "staging/base", "staging/platform"]
    assert {u["status"] for u in report["units"]} == {"no-changes"}


def test_its_own_checks_pass_on_what_up_made(quickstart: Quickstart) -> None:
    """Self-consistency on real resources: review of the saved (no-op) plans, drift and parity --state
    report nothing above info right after `up`."""
    for env in ("dev", "staging", "prod"):
        plans = sorted(str(p) for p in quickstart.infra.glob(f"live/{env}/*/.mlstrata/plan.json"))
        assert len(plans) == 2
        proc = quickstart.mlstrata("review", *plans, "--env", env, "--repo", str(quickstart.infra), "--all",
                                   "--format", "json", "--fail-on", "warning")
        assert proc.returncode == 0, proc.stdout + proc.stderr
        findings = json.loads(proc.stdout)["findings"]
        assert [f for f in findings if f["severity"] != "info"] == []
    drift = quickstart.mlstrata("drift", "--format", "json")
    assert drift.returncode == 0, drift.stdout + drift.stderr
    parity = quickstart.mlstrata("parity", "--state", "refresh", "--format", "json")
    assert parity.returncode == 0, parity.stdout + parity.stderr
    report = json.loads(parity.stdout)
    assert report["ok"] and report["levels"] == ["spec", "config", "state"]
    assert report["counts"]["finding"] == 0 and report["counts"]["declared"] > 0


# -- Issue 5: changes made outside Terraform are what drift reports (read-only), parity sees the staging-only
# grant, apply repairs. On the platform as `up` made it (the tests above only read), and they leave it so: apply
# repairs what they changed and the hand-made user is deleted.

def _snapshot(qs: Quickstart) -> dict[str, tuple[bytes, int]]:
    """Bytes and modification time of every file of the platforms and of every state."""
    found = {}
    for folder in (qs.infra / ".mlstrata" / "platform", qs.infra / ".mlstrata" / "state"):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                found[str(path.relative_to(qs.infra))] = (path.read_bytes(), path.stat().st_mtime_ns)
    return found


def _serials(qs: Quickstart) -> dict[str, int]:
    return {str(p.relative_to(qs.infra)): json.loads(p.read_text())["serial"]
            for p in sorted((qs.infra / ".mlstrata" / "state").rglob("*.tfstate"))}


def _drift_history(qs: Quickstart) -> list[dict[str, object]]:
    path = qs.infra / ".mlstrata" / "drift-history.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_no_drift_right_after_up(quickstart: Quickstart) -> None:
    runs = len(_drift_history(quickstart))
    code, report = quickstart.drift_json()
    assert code == 0
    assert report["resources"] == []
    units = report["units"]
    assert isinstance(units, list) and {u["status"] for u in units} == {"clean"} and len(units) == 6
    history = _drift_history(quickstart)
    assert len(history) == runs + 1 and not history[-1]["drifted"], "each drift run is one history entry"


def test_drift_reports_exactly_the_three_changes_read_only(quickstart: Quickstart) -> None:
    auth = _auth_store(quickstart, "staging")
    auth.create_user("contractor", "not-a-secret-just-a-test-pw-1")
    auth.create_registered_model_permission("fraud-detector", "contractor", "EDIT")
    meta = quickstart.platform_dir("dev") / "buckets" / "quickstart-dev-datasets" / ".mlstrata-bucket.json"
    config = json.loads(meta.read_text())
    config["retention_days"] = 7
    meta.write_text(json.dumps(config))
    mlflow = importlib.import_module("mlflow")
    tracking = f"sqlite:///{quickstart.platform_dir('dev')}/registries/quickstart-dev/mlflow.db"
    mlflow.MlflowClient(tracking_uri=tracking).delete_registered_model("recommender")

    before, serials, runs = _snapshot(quickstart), _serials(quickstart), len(_drift_history(quickstart))
    code, report = quickstart.drift_json()
    assert _snapshot(quickstart) == before, "drift wrote to a platform or a state"
    assert _serials(quickstart) == serials

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
    assert len(_drift_history(quickstart)) == runs + 1 and _drift_history(quickstart)[-1]["drifted"]

    # a second run, as SARIF: the same four results, drifted since the first run
    proc = quickstart.mlstrata("drift", "--format", "sarif")
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
    markdown = quickstart.mlstrata("drift", "--format", "markdown", "--env", "staging")
    assert markdown.returncode == 2 and "grants.contractor: (absent) -> EDIT" in markdown.stdout
    assert "retention_days" not in markdown.stdout


def test_parity_reports_the_staging_only_permission_and_nothing_the_spec_allows(
        quickstart: Quickstart, tmp_path: Path) -> None:
    html, png = tmp_path / "parity.html", tmp_path / "parity.png"
    proc = quickstart.mlstrata("parity", "--envs", "staging,prod", "--format", "json", "--html", str(html),
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


def test_plan_and_apply_make_drift_clean_again(quickstart: Quickstart) -> None:
    plan = quickstart.mlstrata("plan", "--env", "dev", "--env", "staging")
    assert plan.returncode == 0, plan.stderr
    apply = quickstart.mlstrata("apply", "--env", "dev", "--env", "staging")
    assert apply.returncode == 0, apply.stderr
    # apply revokes the grant; the hand-made user is no spec's to delete, so drift still names it
    code, report = quickstart.drift_json()
    assert code == 2 and [r["category"] for r in report["resources"]] == ["unmanaged"]
    auth = _auth_store(quickstart, "staging")
    auth.delete_user("contractor")  # what its hint says: delete it (or import it)
    code, report = quickstart.drift_json()
    assert code == 0 and report["resources"] == []
    parity = quickstart.mlstrata("parity", "--envs", "staging,prod", "--state", "saved", "--format", "json")
    assert parity.returncode == 0, parity.stdout + parity.stderr


def test_mlflow_sees_models_and_permissions_in_each_registry(quickstart: Quickstart) -> None:
    mlflow = importlib.import_module("mlflow")
    for env, promoter in (("dev", "ml-engineer"), ("staging", "release-bot"), ("prod", "release-bot")):
        outputs = quickstart.outputs(env, "base")
        client = mlflow.MlflowClient(tracking_uri=str(outputs["registry_tracking_uri"]))
        names = sorted(m.name for m in client.search_registered_models())
        assert names == ["fraud-detector", "recommender"]
        assert client.get_registered_model("fraud-detector").tags == {"team": "risk"}
        auth = _auth_store(quickstart, env)
        assert auth.get_registered_model_permission("fraud-detector", promoter).permission == "EDIT"
        assert auth.get_registered_model_permission("recommender", "model-serving").permission == "READ"
        password_files = outputs["registry_service_account_password_files"]
        assert isinstance(password_files, dict)
        password_file = Path(str(password_files["model-serving"]))
        assert oct(password_file.stat().st_mode & 0o777) == "0o600"
        assert not password_file.is_relative_to(quickstart.root / "infra")
        assert auth.authenticate_user("model-serving", password_file.read_text().strip())
    # only this stage's promoters may promote: staging's promoter has no grant in dev
    with pytest.raises(Exception, match="not found"):
        _auth_store(quickstart, "dev").get_registered_model_permission("fraud-detector", "release-bot")


def test_no_secret_in_state_outputs_or_rendered_files(quickstart: Quickstart) -> None:
    secrets = [p.read_text().strip() for p in (quickstart.root / "xdg").rglob("*.password")]
    assert len(secrets) >= 9
    visible = ""
    for path in quickstart.infra.rglob("*"):
        if path.is_file() and path.suffix in {".tf", ".tfstate", ".json", ".md", ".log", ".tfrc", ".hcl"}:
            visible += path.read_text(errors="replace")
    visible += quickstart.mlstrata("output", "--format", "json").stdout
    for secret in secrets:
        assert secret not in visible


def test_a_permission_granted_by_hand_is_drift_for_plain_terraform_and_apply_repairs_it(
        quickstart: Quickstart) -> None:
    auth = _auth_store(quickstart, "staging")
    auth.update_registered_model_permission("fraud-detector", "pipeline-runner", "MANAGE")  # declared: READ
    terraform = shutil.which("terraform")
    assert terraform, "the machine image has a terraform binary"
    unit = quickstart.infra / "live" / "staging" / "platform"
    env = {**quickstart.env, "TF_CLI_CONFIG_FILE": str(quickstart.infra / ".mlstrata" / "terraform.tfrc")}
    drift = subprocess.run([terraform, "plan", "-refresh-only", "-detailed-exitcode", "-no-color"], cwd=unit, env=env,
                           capture_output=True, text=True, check=False)
    assert drift.returncode == 2, drift.stdout + drift.stderr
    assert "pipeline-runner" in drift.stdout and "MANAGE" in drift.stdout
    plan = quickstart.mlstrata("plan", "--env", "staging", "--layer", "platform", "--format", "json")
    assert json.loads(plan.stdout)["units"][0]["status"] == "changes"
    applied = quickstart.mlstrata("apply", "--env", "staging", "--layer", "platform")
    assert applied.returncode == 0, applied.stderr
    assert auth.get_registered_model_permission("fraud-detector", "pipeline-runner").permission == "READ"
    clean = subprocess.run([terraform, "plan", "-refresh-only", "-detailed-exitcode"], cwd=unit, env=env,
                           capture_output=True, text=True, check=False)
    assert clean.returncode == 0, clean.stdout + clean.stderr


def test_plan_runs_the_review_gate_and_blocks_destroying_a_registered_model(quickstart: Quickstart) -> None:
    """Blocking once MLflow holds a version of the model; a model without versions is a plain delete."""
    mlflow = importlib.import_module("mlflow")
    spec = quickstart.root / "platform.yaml"
    original = spec.read_text()
    spec.write_text("\n".join(line for line in original.splitlines() if "recommender:" not in line) + "\n")
    try:
        assert quickstart.mlstrata("render").returncode == 0
        plain = quickstart.mlstrata("plan", "--env", "dev")
        assert plain.returncode == 0, plain.stdout + plain.stderr
        assert "registered model `recommender` is destroyed: it has no versions" in plain.stderr
        uri = str(quickstart.outputs("dev", "base")["registry_tracking_uri"])
        mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri).create_model_version(
            "recommender", source=str(quickstart.root / "model"))
        proc = quickstart.mlstrata("plan", "--env", "dev")
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert "MLR001" in proc.stderr and 'mlstrata_registered_model.this["recommender"]' in proc.stderr
        assert "its 1 version, stages and aliases would be lost" in proc.stderr
        assert "review gate blocks" in proc.stderr
        assert quickstart.mlstrata("plan", "--env", "dev", "--no-review").returncode == 0
    finally:
        spec.write_text(original)
        assert quickstart.mlstrata("render").returncode == 0


def test_cost_of_a_real_plan_and_the_review_comment_show_the_gpu_delta(quickstart: Quickstart) -> None:
    """Raising the GPU pool's max on the local target: `cost --plan` and the review's PR comment price it."""
    from mlstrata.pricing import load_shipped_catalog

    spec = quickstart.root / "platform.yaml"
    original = spec.read_text()
    spec.write_text(original.replace("scaling: { min: 0, max: 2, desired: 0 }",
                                     "scaling: { min: 0, max: 5, desired: 0 }"))
    try:
        assert quickstart.mlstrata("render").returncode == 0
        assert quickstart.mlstrata("plan", "--env", "dev", "--layer", "base").returncode == 0  # info only
        plan_json = quickstart.infra / "live" / "dev" / "base" / ".mlstrata" / "plan.json"
        proc = quickstart.mlstrata("cost", "--env", "dev", "--plan", str(plan_json), "--format", "json")
        assert proc.returncode == 0, proc.stderr
        (change,) = json.loads(proc.stdout)["plan"]["changes"]
        price = load_shipped_catalog().get("aws", "us-east-1", "g6.2xlarge")
        assert price is not None
        rate = price.on_demand.usd_per_hour
        assert change["address"] == "module.gpu_pool_training.mlstrata_gpu_pool.this"
        assert change["monthly_max"]["before"] == pytest.approx(2 * rate * 730, abs=0.01)
        assert change["monthly_max"]["after"] == pytest.approx(5 * rate * 730, abs=0.01)
        comment = quickstart.mlstrata("review", str(plan_json), "--spec", str(spec), "--format", "markdown")
        assert comment.returncode == 0, comment.stderr
        assert f"+${3 * rate * 730:,.2f}/month" in comment.stdout
    finally:
        spec.write_text(original)
        assert quickstart.mlstrata("render").returncode == 0


@contextlib.contextmanager
def _recommender_removed(qs: Quickstart) -> Iterator[None]:
    """The spec without the `recommender` model, rendered; the original spec rendered again afterwards."""
    spec = qs.root / "platform.yaml"
    original = spec.read_text()
    spec.write_text("\n".join(line for line in original.splitlines() if "recommender:" not in line) + "\n")
    try:
        assert qs.mlstrata("render").returncode == 0
        yield
    finally:
        spec.write_text(original)
        assert qs.mlstrata("render").returncode == 0


def _grant_gone_and_converged(qs: Quickstart, auth) -> None:  # type: ignore[no-untyped-def]
    """The deleted model's grant is gone from dev's registry and a second plan has nothing to do."""
    with pytest.raises(Exception, match="not found"):
        auth.get_registered_model_permission("recommender", "model-serving")
    again = qs.mlstrata("plan", "--env", "dev", "--format", "json")
    assert {u["status"] for u in json.loads(again.stdout)["units"]} == {"no-changes"}, "one cycle converged"


def test_one_plan_apply_cycle_converges_after_a_model_is_removed(quickstart: Quickstart) -> None:
    """Issue 18: the platform layer was planned against base's outputs before base applied, so the grants of a
    deleted model survived until a second cycle. Now platform waits for base ("deferred") and apply plans it."""
    auth = _auth_store(quickstart, "dev")
    with _recommender_removed(quickstart):
        planned = quickstart.mlstrata("plan", "--env", "dev", "--no-review", "--format", "json")
        assert planned.returncode == 0, planned.stderr
        statuses = {u["unit"]: u["status"] for u in json.loads(planned.stdout)["units"]}
        assert statuses == {"dev/base": "changes", "dev/platform": "deferred"}
        blocked = quickstart.mlstrata("apply", "--env", "dev", "--format", "json")
        assert blocked.returncode == 1, blocked.stdout + blocked.stderr
        ids = [g["id"] for v in json.loads(blocked.stdout)["gate"] for g in v["blocking"]]
        assert ids and all(i.startswith("MLR001-") for i in ids)
        accepted = [a for i in ids for a in ("--accept", i)]
        applied = quickstart.mlstrata("apply", "--env", "dev", *accepted, "--reason", "retired", "--format", "json")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        steps = {u["unit"]: [s["operation"] for s in u.get("steps", [])] for u in json.loads(applied.stdout)["units"]}
        assert steps["dev/platform"] == ["plan", "apply"], "platform planned after base was applied"
        _grant_gone_and_converged(quickstart, auth)
    restored = quickstart.mlstrata("plan", "--env", "dev", "--format", "json")
    assert [u["status"] for u in json.loads(restored.stdout)["units"]] == ["changes", "deferred"]
    assert quickstart.mlstrata("apply", "--env", "dev").returncode == 0
    assert auth.get_registered_model_permission("recommender", "model-serving").permission == "READ"
    assert {u["status"] for u in json.loads(quickstart.mlstrata("plan", "--env", "dev", "--format", "json").stdout)[
        "units"]} == {"no-changes"}


def test_units_planned_and_applied_one_per_run_as_ci_jobs_do_converge_in_one_cycle(quickstart: Quickstart) -> None:
    """Issue 18: the generated pipelines plan each unit in its own job, so platform's plan reads base's outputs as
    they were before the merge; the apply job of platform runs after base's. Its apply finds that the outputs it
    read changed, plans it again, reviews that plan and applies it: the deleted model's grant is gone at once."""
    auth = _auth_store(quickstart, "dev")
    with _recommender_removed(quickstart):
        for layer in ("base", "platform"):  # the plan jobs: one unit each
            planned = quickstart.mlstrata("plan", "--env", "dev", "--layer", layer, "--no-review")
            assert planned.returncode == 0, planned.stderr
        base = quickstart.mlstrata("apply", "--env", "dev", "--layer", "base", "--format", "json")
        if base.returncode == 1:  # the gate blocks deleting the model while it has versions: accept it
            ids = [g["id"] for v in json.loads(base.stdout)["gate"] for g in v["blocking"]]
            accepted = [a for i in ids for a in ("--accept", i)]
            base = quickstart.mlstrata("apply", "--env", "dev", "--layer", "base", *accepted, "--reason", "retired")
        assert base.returncode == 0, base.stdout + base.stderr
        platform = quickstart.mlstrata("apply", "--env", "dev", "--layer", "platform", "--format", "json")
        assert platform.returncode == 0, platform.stdout + platform.stderr
        (unit,) = json.loads(platform.stdout)["units"]
        assert [s["operation"] for s in unit["steps"]] == ["plan", "apply"], "planned again after base's apply"
        assert any(d["summary"] == "planned dev/platform again: what it reads changed since its plan"
                   for d in unit["diagnostics"]), unit["diagnostics"]
        _grant_gone_and_converged(quickstart, auth)
    assert quickstart.mlstrata("plan", "--env", "dev").returncode == 0
    assert quickstart.mlstrata("apply", "--env", "dev").returncode == 0
    assert auth.get_registered_model_permission("recommender", "model-serving").permission == "READ"


def test_objects_made_by_hand_are_reported_by_drift_as_unmanaged(quickstart: Quickstart) -> None:
    """Issue 18: a user, a model (with a grant) or a bucket made outside Terraform is in no state, so Terraform
    never reports it; drift asks the platform itself and names each with how to import or delete it."""
    mlflow = importlib.import_module("mlflow")
    auth = _auth_store(quickstart, "staging")
    tracking = str(quickstart.outputs("staging", "base")["registry_tracking_uri"])
    client = mlflow.MlflowClient(tracking_uri=tracking, registry_uri=tracking)
    auth.create_user("mallory", "mallory-password-123")
    client.create_registered_model("shadow-model")
    auth.create_registered_model_permission("shadow-model", "model-serving", "MANAGE")
    bucket = quickstart.infra / ".mlstrata" / "platform" / "staging" / "buckets" / "scratch"
    bucket.mkdir()
    (bucket / ".mlstrata-bucket.json").write_text('{"format": 1, "name": "scratch"}')
    try:
        proc = quickstart.mlstrata("drift", "--env", "staging", "--format", "json")
        assert proc.returncode == 2, proc.stdout + proc.stderr
        found = {r["address"]: r for r in json.loads(proc.stdout)["resources"]}
        assert set(found) == {'mlstrata_service_account "quickstart-staging/mallory"',
                              'mlstrata_registered_model "quickstart-staging/shadow-model"',
                              'mlstrata_artifact_bucket "scratch"'}
        assert all(r["unmanaged"] and r["category"] == "unmanaged" and r["unit"] == "staging/base"
                   for r in found.values())
        model = found['mlstrata_registered_model "quickstart-staging/shadow-model"']
        assert "model-serving=MANAGE" in model["changes"][0]["after"]
        assert "terraform import" in model["hint"] and "delete it" in model["hint"]
        human = quickstart.mlstrata("drift", "--env", "staging", "--layer", "platform")
        assert human.returncode == 0, "base's objects are reported on base, not on a platform-only check"
    finally:
        client.delete_registered_model("shadow-model")
        auth.delete_user("mallory")
        shutil.rmtree(bucket)
    assert quickstart.mlstrata("drift", "--env", "staging").returncode == 0


def test_protected_environment_needs_naming_and_a_reason_to_be_destroyed(quickstart: Quickstart) -> None:
    apply = quickstart.mlstrata("apply")
    assert apply.returncode == 2 and "prod is protected" in apply.stderr
    destroy = quickstart.mlstrata("destroy", "--env", "prod", "--yes")
    assert destroy.returncode == 2 and "destroying protected environment prod needs a reason" in destroy.stderr
    unnamed = quickstart.mlstrata("destroy", "--yes", "--reason", "teardown")
    assert unnamed.returncode == 2 and "prod is protected: destroy it only by naming it" in unnamed.stderr
    assert (quickstart.infra / ".mlstrata" / "platform" / "prod" / "registries").is_dir()


def _pipeline_run_writes_metadata(qs: Quickstart, env: str) -> Path:
    """What a pipeline run leaves in the environment's metadata store: a table of its own."""
    path = qs.infra / ".mlstrata" / "platform" / env / "metadata" / f"quickstart-{env}-metadata.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE Execution (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO Execution (name) VALUES ('train')")
    return path


def test_protected_environment_keeps_its_pipeline_metadata_through_a_destroy(quickstart: Quickstart) -> None:
    """prod's `protect: true` renders the metadata store with force_destroy = false: a destroy, even named and
    with a reason, refuses to delete the metadata a pipeline wrote. dev's store (unprotected) goes with its data
    in the next test."""
    prod = _pipeline_run_writes_metadata(quickstart, "prod")
    _pipeline_run_writes_metadata(quickstart, "dev")
    proc = quickstart.mlstrata("destroy", "--env", "prod", "--layer", "platform", "--yes", "--reason", "e2e test")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    text = " ".join(proc.stderr.split())
    assert "metadata store 'quickstart-prod-metadata' holds pipeline metadata (1 table(s)) and is protected" in text
    assert "mlstrata_metadata_store" in text and "Traceback" not in proc.stderr
    with sqlite3.connect(prod) as conn:
        assert conn.execute("SELECT name FROM Execution").fetchall() == [("train",)]


def test_destroy_leaves_nothing_behind(quickstart: Quickstart) -> None:
    proc = quickstart.mlstrata("destroy", "--env", "dev", "--env", "staging", "--yes")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for env in ("dev", "staging"):
        left = [p for p in (quickstart.infra / ".mlstrata" / "platform" / env).rglob("*") if p.is_file()]
        assert left == [], left
        state = json.loads((quickstart.infra / ".mlstrata" / "state" / env / "base.tfstate").read_text())
        assert state["resources"] == []
    # The read-only commands see a destroyed environment as not applied (platform reads a base state without
    # outputs: "Unsupported attribute"; base's own state holds no resource), not as a failure (drift exited 1 and
    # parity listed errors) nor as checked and clean (drift said "clean" of a base it had compared nothing of).
    drift = quickstart.mlstrata("drift", "--env", "dev", "--format", "json")
    assert drift.returncode == 0, drift.stdout + drift.stderr
    assert {u["unit"]: u["status"] for u in json.loads(drift.stdout)["units"]} == {
        "dev/base": "not applied", "dev/platform": "not applied"}
    parity = quickstart.mlstrata("parity", "--envs", "dev,staging", "--format", "json")
    assert parity.returncode == 0, parity.stdout + parity.stderr
    notes = {(d["path"], d["severity"], d["summary"]) for d in json.loads(parity.stdout)["diagnostics"]}
    assert ("dev/platform", "info", "not applied yet: this layer is left out of the state comparison") in notes
    assert not [n for n in notes if n[1] == "error"], notes
