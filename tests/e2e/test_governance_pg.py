"""The gate, the journal and protected environments end to end: real Terraform on the local target, state
and journal in a real PostgreSQL (`pg` backend), real MLflow registries. One platform per module: `dev`
applied once, then changed step by step; `prod` (protected) is never named until its teardown."""

from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from support.cli import CliResult
from support.cli import mlstrata as run_cli
from support.pg_server import PgServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
SMI = REPO / "tests" / "testdata" / "provider"

SPEC = """platform: gov
target: local
region: us-east-1
state:
  backend: pg
  conn_str_env: GOV_PG_STATE
environments:
  dev: {}
  prod:
    protect: true
model_registry:
  stages: [dev, prod]
  promoters:
    dev: [ml-engineer]
    prod: [release-bot]
  readers: [model-serving]
  models:
    fraud-detector: { description: "Card fraud scoring" }
    recommender: { description: "Home page recommendations" }
artifact_stores:
  datasets:
    retention_days: 90
  checkpoints:
    versioning: true
observability: { prometheus: false, grafana: false, dcgm_exporter: false }
"""
POOL = """gpu_pools:
  training:
    instance_types: [p5.48xlarge]
    capacity: on_demand
    scaling: { min: 1, max: 2, desired: 1 }
"""


@dataclass
class Governed:
    root: Path
    env: dict[str, str]
    pg: PgServer
    up: CliResult

    def mlstrata(self, *args: str, **env: str) -> CliResult:
        return run_cli(*args, cwd=self.root, env={**self.env, **env}, process=True, columns=250)

    def spec(self, text: str) -> None:
        (self.root / "platform.yaml").write_text(text)
        proc = self.mlstrata("render")
        assert proc.returncode == 0, proc.stderr

    def journal(self, unit: str) -> list[dict[str, Any]]:
        schema = "gov_" + unit.replace("/", "_")
        rows = self.pg.psql(f"select entry::text from {schema}.mlstrata_journal order by seq")
        return [json.loads(line) for line in rows.splitlines()]

    def history(self, *args: str) -> dict[str, Any]:
        proc = self.mlstrata("history", "--format", "json", *args)
        assert proc.returncode == 0, proc.stderr
        return dict(json.loads(proc.stdout))

    def client(self) -> Any:
        mlflow = importlib.import_module("mlflow")
        db = self.root / "infra" / ".mlstrata" / "platform" / "dev" / "registries" / "gov-dev" / "mlflow.db"
        return mlflow.MlflowClient(tracking_uri=f"sqlite:///{db}", registry_uri=f"sqlite:///{db}")

    def models(self) -> list[str]:
        return sorted(m.name for m in self.client().search_registered_models())


@pytest.fixture(scope="module")
def governed(tmp_path_factory: pytest.TempPathFactory, pg_server: PgServer) -> Iterator[Governed]:
    root = tmp_path_factory.mktemp("governed")
    (root / "platform.yaml").write_text(SPEC)
    env = {**os.environ, "XDG_DATA_HOME": str(root / "xdg"),
           "GOV_PG_STATE": pg_server.conn_str(), "MLSTRATA_NVIDIA_SMI": str(SMI / "nvidia-smi-2x-h100")}
    env.pop("MLSTRATA_TERRAFORM", None)
    up = run_cli("up", "--yes", cwd=root, env=env, process=True, columns=250)
    assert up.returncode == 0, up.stdout + up.stderr
    yield Governed(root, env, pg_server, up)


def test_up_does_not_touch_prod_unless_named_and_journals_every_unit_it_applies(governed: Governed) -> None:
    assert "skipping protected environment(s) prod" in governed.up.stderr
    schemas = governed.pg.psql("select count(*) from information_schema.schemata where schema_name like 'gov_prod%'")
    assert schemas == "0", "up --yes changed prod without it being named"
    for unit in ("dev/base", "dev/platform"):
        started, finished = governed.journal(unit)
        assert (started["phase"], finished["phase"]) == ("started", "finished") and started["run"] == finished["run"]
        assert started["operation"] == "apply" and started["command"] == "up" and started["unit"] == unit
        assert started["who"]["os_user"] and started["who"]["pid"] > 0
        assert len(started["plan_sha256"]) == 64 and started["review"]["verdict"] == "clean"
        assert finished["result"] == "ok" and finished["counts"]["add"] > 0 and finished["terraform_version"]
    history = governed.history("--env", "dev")
    assert [r["unit"] for r in history["runs"]] == ["dev/platform", "dev/base"]  # newest first
    assert {c["unit"]: bool(c["since"]) for c in history["current"]} == {"dev/base": True, "dev/platform": True}


def test_the_gate_blocks_apply_until_each_finding_is_accepted_for_this_plan(governed: Governed) -> None:
    """The issue's reproduction: a model (with a version in MLflow) and an artifact store removed from the spec."""
    governed.client().create_model_version("recommender", source=str(governed.root / "model"))
    governed.spec(SPEC.replace('    recommender: { description: "Home page recommendations" }\n', "")
                  .replace("  checkpoints:\n    versioning: true\n", ""))
    bucket = governed.root / "infra" / ".mlstrata" / "platform" / "dev" / "buckets" / "gov-dev-checkpoints"
    plan = governed.mlstrata("plan", "--env", "dev")
    assert plan.returncode == 1 and "review gate blocks" in plan.stderr and "--accept MLR001-" in plan.stderr
    blocked = governed.mlstrata("apply", "--env", "dev")
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "nothing was applied" in blocked.stderr and "--reason" in blocked.stderr
    # each finding as `review` shows it: where, what, why, how to fix; under its id
    assert "main.tf:" in blocked.stderr and "fix: Revert the change that forces it" in blocked.stderr
    assert "registered model `recommender` is destroyed: its 1 version, stages and aliases" in blocked.stderr
    assert governed.models() == ["fraud-detector", "recommender"] and bucket.is_dir()
    assert len(governed.journal("dev/base")) == 2, "a blocked apply must not start anything"
    gate = json.loads(governed.mlstrata("apply", "--env", "dev", "--format", "json").stdout)["gate"]
    (verdict,) = gate
    ids = sorted(f["id"] for f in verdict["blocking"])
    assert len(ids) == 2 and verdict["verdict"] == "blocked"
    other_plan = governed.root / "accept.yaml"
    other_plan.write_text("accept:\n" + "".join(f"  - finding: {i}\n    plan: '{'0f' * 32}'\n    reason: ok\n"
                                                 for i in ids))
    void = governed.mlstrata("apply", "--env", "dev", "--accept-file", str(other_plan))
    assert void.returncode == 1 and "is void" in void.stderr and "nothing was applied" in void.stderr
    assert governed.models() == ["fraud-detector", "recommender"] and bucket.is_dir()
    partial = governed.mlstrata("apply", "--env", "dev", "--accept", ids[0], "--reason", "only one")
    assert partial.returncode == 1 and bucket.is_dir()
    accepted = governed.mlstrata("apply", "--env", "dev", "--accept", ids[0], "--accept", ids[1],
                                 "--reason", "recommender retired; checkpoints archived")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert governed.models() == ["fraud-detector"] and not bucket.exists()
    started = [e for e in governed.journal("dev/base") if e["phase"] == "started"][-1]
    assert started["review"]["verdict"] == "accepted" and started["plan_sha256"] == verdict["plan_sha256"]
    assert sorted(a["id"] for a in started["review"]["accepted"]) == ids
    assert {a["reason"] for a in started["review"]["accepted"]} == {"recommender retired; checkpoints archived"}
    shown = governed.mlstrata("history", "--env", "dev", "--layer", "base")
    assert "recommender retired; checkpoints archived" in shown.stdout


def test_a_failed_apply_is_journaled_as_failed_with_the_providers_error(governed: Governed) -> None:
    """The pool fits the host at plan time; the host has lost its GPUs when the plan is applied."""
    governed.spec(SPEC.replace('    recommender: { description: "Home page recommendations" }\n', "")
                  .replace("  checkpoints:\n    versioning: true\n", "") + POOL)
    assert governed.mlstrata("plan", "--env", "dev", "--layer", "base").returncode == 0
    failed = governed.mlstrata("apply", "--env", "dev", "--layer", "base",
                               MLSTRATA_NVIDIA_SMI=str(SMI / "nvidia-smi-no-devices"))
    assert failed.returncode == 1, failed.stdout + failed.stderr
    end = governed.journal("dev/base")[-1]
    assert end["phase"] == "failed" and end["result"] == "failed" and end["errors"]
    newest = governed.history("--env", "dev", "--layer", "base")["runs"][0]
    assert newest["status"] == "failed" and newest["errors"] == end["errors"]


def test_a_run_killed_mid_apply_stays_started_and_history_says_interrupted(governed: Governed) -> None:
    governed.spec(SPEC.replace("  checkpoints:\n    versioning: true\n", ""))  # recommender comes back
    assert governed.mlstrata("plan", "--env", "dev", "--layer", "base").returncode == 0
    before = len(governed.journal("dev/base"))
    proc = subprocess.Popen([sys.executable, "-m", "mlstrata", "apply", "--env", "dev", "--layer", "base"],
                            cwd=governed.root, env=governed.env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        while len(governed.journal("dev/base")) == before:
            assert proc.poll() is None, "the apply ended before it could be killed"
            time.sleep(0.2)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    (started,) = governed.journal("dev/base")[before:]
    assert started["phase"] == "started"
    newest = governed.history("--env", "dev", "--layer", "base")["runs"][0]
    assert newest["run"] == started["run"] and newest["status"] == "interrupted"
    current = governed.history("--env", "dev", "--layer", "base")["current"][0]
    assert current["later_problem"]["status"] == "interrupted"
    assert "interrupted" in governed.mlstrata("history", "--env", "dev").stdout
    # the state lock died with the process: the next run goes through
    assert governed.mlstrata("plan", "--env", "dev", "--layer", "base", "--no-review").returncode == 0


def test_teardown_of_protected_prod_needs_its_name_a_confirmation_and_a_reason(governed: Governed) -> None:
    no_reason = governed.mlstrata("destroy", "--env", "prod", "--yes")
    assert no_reason.returncode == 2 and "needs a reason" in no_reason.stderr
    unconfirmed = governed.mlstrata("destroy", "--env", "prod", "--reason", "teardown")
    assert unconfirmed.returncode == 2 and "no terminal to confirm" in unconfirmed.stderr
    down = governed.mlstrata("destroy", "--env", "prod", "--yes", "--reason", "quickstart teardown")
    assert down.returncode == 0, down.stdout + down.stderr
    for unit in ("prod/base", "prod/platform"):
        started, finished = governed.journal(unit)
        assert started["operation"] == "destroy" and finished["result"] == "ok"
        assert started["review"]["accepted"] == [{"what": f"destroy of {unit}", "reason": "quickstart teardown"}]
    with pytest.raises(subprocess.CalledProcessError) as refused:
        governed.pg.psql("delete from gov_prod_base.mlstrata_journal")
    assert "append-only" in str(refused.value.stderr)
    assert len(governed.journal("prod/base")) == 2
