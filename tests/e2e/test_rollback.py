"""Rollback and concurrent applies end to end on the local target (local state backend, journal beside the
state files): the spec is committed to git at revision A, changed to B (a model added, a retention changed,
a reader granted) and applied; `rollback --to A` is blocked while it would delete a model with versions,
then returns the platform to A once that is accepted: checked through the MLflow client and the bucket store."""

from __future__ import annotations

import fcntl
import importlib
import json
import os
import re
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

from mlstrata.provider.store.bucket import read_bucket
from mlstrata.provider.store.layout import Layout

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SPEC_A = """platform: rb
target: local
region: us-east-1
state:
  backend: local
environments:
  dev: {}
model_registry:
  stages: [dev]
  promoters:
    dev: [ml-engineer]
  readers: [model-serving]
  models:
    fraud-detector: { description: "Card fraud scoring" }
artifact_stores:
  datasets:
    retention_days: 90
    readers: [model-serving]
observability: { prometheus: false, grafana: false, dcgm_exporter: false }
"""
MODEL_A = '    fraud-detector: { description: "Card fraud scoring" }\n'
SPEC_B = (SPEC_A.replace(MODEL_A, MODEL_A + '    churn: { description: "Churn" }\n')
          .replace("retention_days: 90", "retention_days: 30")
          .replace("  readers: [model-serving]\n  models", "  readers: [model-serving, analyst]\n  models"))


@dataclass
class Repo:
    root: Path
    env: dict[str, str]
    revisions: dict[str, str]

    def mlstrata(self, *args: str) -> CliResult:
        return run_cli(*args, cwd=self.root, env=self.env, process=True, columns=250)

    def git(self, *args: str) -> str:
        return subprocess.run(["git", *args], cwd=self.root, env=self.env, capture_output=True, text=True,
                              check=True).stdout.strip()

    @property
    def platform_dir(self) -> Path:
        return self.root / "infra" / ".mlstrata" / "platform" / "dev"

    def client(self) -> Any:
        mlflow = importlib.import_module("mlflow")
        return mlflow.MlflowClient(tracking_uri=f"sqlite:///{self.platform_dir}/registries/rb-dev/mlflow.db")

    def models(self) -> list[str]:
        return sorted(m.name for m in self.client().search_registered_models())

    def retention(self) -> int:
        bucket = read_bucket(Layout(self.platform_dir, self.root / "xdg"), "rb-dev-datasets")
        assert bucket is not None
        return bucket.config.retention_days

    def accounts(self) -> set[str]:
        auth = importlib.import_module("mlflow.server.auth.sqlalchemy_store").SqlAlchemyStore()
        auth.init_db(f"sqlite:///{self.platform_dir}/registries/rb-dev/auth.db")
        return {u.username for u in auth.list_users()}

    def journal(self, layer: str) -> list[dict[str, Any]]:
        path = self.root / "infra" / ".mlstrata" / "state" / "dev" / f"{layer}.journal.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Repo]:
    root = tmp_path_factory.mktemp("rollback")
    env = {**os.environ, "XDG_DATA_HOME": str(root / "xdg"),
           "GIT_AUTHOR_NAME": "Ada Reviewer", "GIT_AUTHOR_EMAIL": "ada@example.com",
           "GIT_COMMITTER_NAME": "Ada Reviewer", "GIT_COMMITTER_EMAIL": "ada@example.com"}
    env.pop("MLSTRATA_TERRAFORM", None)
    r = Repo(root, env, {})
    r.git("init", "-q")
    (root / ".gitignore").write_text("infra/\nxdg/\n")
    r.git("add", ".gitignore")
    r.git("commit", "-qm", "before the platform")
    r.revisions["empty"] = r.git("rev-parse", "HEAD")
    for name, text in (("A", SPEC_A), ("B", SPEC_B)):
        (root / "platform.yaml").write_text(text)
        r.git("add", "platform.yaml")
        r.git("commit", "-qm", name)
        r.revisions[name] = r.git("rev-parse", "HEAD")
        up = r.mlstrata("up", "--yes")
        assert up.returncode == 0, up.stdout + up.stderr
    yield r


def test_b_is_applied_and_the_journal_says_who_from_which_revision(repo: Repo) -> None:
    assert repo.models() == ["churn", "fraud-detector"] and repo.retention() == 30 and "analyst" in repo.accounts()
    started = [e for e in repo.journal("base") if e["phase"] == "started"]
    assert [e["spec"]["revision"] for e in started] == [repo.revisions["A"], repo.revisions["B"]]
    assert {e["spec"]["dirty"] for e in started} == {False}
    assert started[-1]["who"]["git_author"] == "Ada Reviewer <ada@example.com>"


def test_two_concurrent_applies_leave_two_well_formed_runs(repo: Repo) -> None:
    """Both applies pass the gate and journal their start while a third party holds the state lock."""
    assert repo.mlstrata("plan", "--env", "dev", "--layer", "base").returncode == 0
    before = len(repo.journal("base"))
    state = repo.root / "infra" / ".mlstrata" / "state" / "dev" / "base.tfstate"
    # Hold the lock the way a running Terraform does: an fcntl lock on the state file plus its lock-info file.
    # Without the info file Terraform treats the lock as unreadable and fails at once instead of retrying
    # within -lock-timeout (seen with 1.15.5: "open .base.tfstate.lock.info: no such file or directory").
    info = state.with_name(".base.tfstate.lock.info")
    with state.open("r+") as held:
        fcntl.lockf(held, fcntl.LOCK_EX)  # Terraform's local backend locks the state file with fcntl
        info.write_text(json.dumps({"ID": "00000000-0000-0000-0000-000000000000", "Operation": "OperationTypeApply",
                                    "Info": "", "Who": "test@localhost", "Version": "1.15.5",
                                    "Created": "2026-01-01T00:00:00Z", "Path": str(state)}))
        procs = [subprocess.Popen([sys.executable, "-m", "mlstrata", "apply", "--env", "dev", "--layer", "base",
                                   "--lock-timeout", "300s"], cwd=repo.root, env=repo.env, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
        while len(repo.journal("base")) < before + 2:
            assert all(p.poll() is None for p in procs), "an apply ended while the state was locked"
            time.sleep(0.2)
        info.unlink()
    assert all(p.wait() in (0, 1) for p in procs)
    entries = repo.journal("base")[before:]
    assert len(entries) == 4 and {e["run"] for e in entries} == {e["run"] for e in entries if e["phase"] == "started"}
    runs = [r for r in json.loads(repo.mlstrata("history", "--format", "json", "--layer", "base").stdout)["runs"]
            if r["run"] in {e["run"] for e in entries}]
    assert len(runs) == 2 and all(r["status"] in ("ok", "failed") and r["ended_at"] for r in runs)
    assert "ok" in {r["status"] for r in runs}


def test_rollback_to_a_revision_without_the_spec_or_an_unknown_one_is_refused_clearly(repo: Repo) -> None:
    empty = repo.mlstrata("rollback", "--env", "dev", "--to", repo.revisions["empty"], "--yes")
    assert empty.returncode == 2 and "platform.yaml did not exist at" in empty.stderr
    unknown = repo.mlstrata("rollback", "--env", "dev", "--to", "no-such-tag", "--yes")
    assert unknown.returncode == 2 and "is not a revision" in unknown.stderr
    assert "Traceback" not in empty.stderr + unknown.stderr


def test_rollback_deleting_a_model_with_versions_is_blocked_then_returns_to_a_once_accepted(repo: Repo) -> None:
    version = repo.client().create_model_version("churn", source="file:///models/churn/1")
    blocked = repo.mlstrata("rollback", "--env", "dev", "--to", repo.revisions["A"][:10], "--yes")
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert 'mlstrata_registered_model.this["churn"]' in blocked.stderr and "nothing was applied" in blocked.stderr
    assert "registered model `churn` is destroyed: its 1 version, stages and aliases would be lost" in blocked.stderr
    assert repo.models() == ["churn", "fraud-detector"] and repo.retention() == 30
    assert repo.client().get_model_version("churn", version.version).source == "file:///models/churn/1"
    ids = sorted(set(re.findall(r"--accept (MLR001-[0-9a-f]{8})", blocked.stderr)))
    assert len(ids) == 1
    done = repo.mlstrata("rollback", "--env", "dev", "--to", repo.revisions["A"][:10], "--yes", "--accept", ids[0],
                         "--reason", "churn was an experiment; version 1 archived")
    assert done.returncode == 0, done.stdout + done.stderr
    assert repo.models() == ["fraud-detector"] and repo.retention() == 90 and "analyst" not in repo.accounts()
    (bucket_access,) = [json.loads(p.read_text())["access"] for p in
                        (repo.platform_dir / "buckets" / "rb-dev-datasets").glob(".mlstrata-bucket.json")]
    assert bucket_access == {"model-serving": "READ"}
    history = json.loads(repo.mlstrata("history", "--format", "json").stdout)
    newest = {r["unit"]: r for r in reversed(history["runs"])}
    assert newest["dev/base"]["rollback_to"].startswith(repo.revisions["A"][:10])
    assert newest["dev/base"]["spec"]["revision"] == repo.revisions["A"]
    assert newest["dev/base"]["review"]["accepted"][0]["reason"] == "churn was an experiment; version 1 archived"
    assert all(r["status"] == "ok" for r in newest.values())
    assert (repo.root / "infra" / "live" / "dev" / "base" / "main.tf").read_text().count("churn") == 1, \
        "rollback must not touch the real rendered tree"
    again = repo.mlstrata("rollback", "--env", "dev", "--to", repo.revisions["A"], "--yes")
    assert again.returncode == 0 and "nothing to roll back" in again.stderr
