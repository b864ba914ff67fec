"""The generated GitHub workflows' own steps, run on the local target in a scratch git repository: nightly drift,
a pull request (affected -> plan per unit -> one comment), its merge (apply the saved plans in order), a second
pull request whose review blocks and whose merge therefore stops before apply, and drift becoming an issue.

Steps that call GitHub's API are replaced by their effect (see support/workflow_runner.py); every other step
runs its script exactly as the workflow has it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from support.scratch_repo import REPO_ROOT, ScratchRepo, git
from support.workflow_runner import JobResult, Runner

# the quickstart with two environments on the promotion path (dev -> prod), to keep the run short
QUICKSTART = (REPO_ROOT / "examples" / "quickstart" / "platform.yaml").read_text(encoding="utf-8").replace(
    "  staging: {}\n", "").replace("stages: [dev, staging, prod]", "stages: [dev, prod]").replace(
    "    staging: [release-bot]\n", "")
WORKFLOWS = Path(".github/workflows")
MLSTRATA = str(Path(sys.executable).parent / "mlstrata")  # what the workflows' steps find on PATH


def _state_addresses(repo: ScratchRepo, unit: str) -> list[str]:
    path = repo.infra / ".mlstrata" / "state" / f"{unit}.tfstate"
    if not path.exists():
        return []
    state = json.loads(path.read_text(encoding="utf-8"))
    return sorted(f"{r.get('module', '')}.{r['type']}.{r['name']}".lstrip(".") for r in state.get("resources", [])
                  if r.get("mode") == "managed")


def _drift_logs(tmp_path: Path, run_id: str) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in (tmp_path / "artifacts" / run_id).glob("*/drift.json"))


def _fresh_runner(repo: ScratchRepo) -> None:
    """A new runner has none of the units' working folders (.terraform, saved plans)."""
    for folder in [*repo.infra.glob("live/*/*/.terraform"), *repo.infra.glob("live/*/*/.mlstrata"),
                   repo.root / "mlstrata-ci"]:
        shutil.rmtree(folder, ignore_errors=True)


class Pipelines:
    def __init__(self, repo: ScratchRepo, artifacts: Path) -> None:
        self.repo = repo
        self.runner = Runner(repo.root, artifacts, emulate={
            # gh run download of the latest nightly run's `mlstrata-drift` artifact
            "Last nightly drift result": self._last_drift,
            # gh api: the merged pull request's plan run
            "The merged pull request's plans": lambda root, env: {"plan_run": self.pr_run},
            # gh api: post or update the one comment (keyed by the hidden marker)
            "Post or update the one mlstrata comment": self._post_comment,
            # gh issue create/edit/close from issues.tsv
            "Open, update or close the drift issues": lambda root, env: {},
        })
        self.pr_run = ""
        self.nightly_run = ""
        self.comments: list[str] = []

    def _last_drift(self, root: Path, env: dict[str, str]) -> dict[str, str]:
        if self.nightly_run:
            shutil.copytree(self.runner.artifacts / self.nightly_run / "mlstrata-drift",
                            root / "mlstrata-ci" / "mlstrata-drift", dirs_exist_ok=True)
        return {}

    def _post_comment(self, root: Path, env: dict[str, str]) -> dict[str, str]:
        body = (root / "mlstrata-ci" / "comment.md").read_text(encoding="utf-8")
        marker = body.splitlines()[0]
        self.comments = [c for c in self.comments if not c.startswith(marker)] + [body]  # update, not add
        (self.runner.artifacts / f"comment-{env['PR_NUMBER']}-{len(list(self.runner.artifacts.glob('comment-*')))}.md"
         ).write_text(body, encoding="utf-8")  # kept for reading (the README shows one)
        return {}

    def workflow(self, name: str) -> dict[str, Any]:
        return self.runner.workflow(self.repo.root / WORKFLOWS / name)

    def nightly(self, run_id: str) -> dict[str, JobResult]:
        _fresh_runner(self.repo)
        wf = self.workflow("mlstrata-drift.yml")
        results = {}
        for include in wf["jobs"]["drift"]["strategy"]["matrix"]["include"]:
            results[f"drift {include['env']}"] = self.runner.run_job(wf, "drift", run_id=run_id, github={},
                                                                     matrix=include)
        drift = JobResult("failure" if any(r.result == "failure" for r in results.values()) else "success")
        results["report"] = self.runner.run_job(wf, "report", run_id=run_id, github={}, needs={"drift": drift})
        self.nightly_run = run_id
        return results

    def pull_request(self, run_id: str, base_sha: str) -> dict[str, JobResult]:
        _fresh_runner(self.repo)
        wf = self.workflow("mlstrata-pr.yml")
        github = {"event": {"pull_request": {"base": {"sha": base_sha}, "number": 7}}, "run_id": run_id}
        checks = self.runner.run_job(wf, "checks", run_id=run_id, github=github)
        assert checks.result == "success", checks.log
        plans = [self.runner.run_job(wf, "plan", run_id=run_id, github=github, needs={"checks": checks},
                                     matrix=include)
                 for include in json.loads(checks.outputs["matrix"])["include"]]
        plan = JobResult("failure" if any(p.result == "failure" for p in plans) else "success")
        comment = self.runner.run_job(wf, "comment", run_id=run_id, github=github,
                                      needs={"checks": checks, "plan": plan})
        self.pr_run = run_id
        return {"checks": checks, **{f"plan {p.outputs.get('unit', i)}": p for i, p in enumerate(plans)},
                "plan": plan, "comment": comment}

    def merge(self, run_id: str, before: str) -> dict[str, JobResult]:
        _fresh_runner(self.repo)
        wf = self.workflow("mlstrata-apply.yml")
        github = {"event": {"before": before}, "run_id": run_id}
        results = {"affected": self.runner.run_job(wf, "affected", run_id=run_id, github=github)}
        for job_id in [j for j in wf["jobs"] if j.startswith("apply-")]:
            needs = {name: results[name] for name in wf["jobs"][job_id]["needs"]}
            results[job_id] = self.runner.run_job(wf, job_id, run_id=run_id, github=github, needs=needs)
        return results


@pytest.mark.slow
def test_pull_request_merge_and_nightly_sequence(tmp_path: Path) -> None:
    repo = ScratchRepo(tmp_path / "infra-repo", QUICKSTART)
    done = subprocess.run([MLSTRATA, "ci", "github"], cwd=repo.root, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    (repo.root / ".gitignore").write_text("mlstrata-ci/\n", encoding="utf-8")
    repo.commit("CI pipelines")
    ci = Pipelines(repo, tmp_path / "artifacts")
    # the platform exists (brought up once by hand, as a team starts; the same `mlstrata` as the jobs run, whose
    # interpreter path is part of the local provider's checksum) and its lock files are committed
    done = subprocess.run([MLSTRATA, "up", "--yes", "--env", "dev", "--env", "prod"], cwd=repo.root,  # prod named
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    main = repo.commit("provider lock files")
    applied = _state_addresses(repo, "dev/base")
    assert "module.artifacts_checkpoints.mlstrata_artifact_bucket.this" in applied

    # nightly drift: every unit clean
    nightly = ci.nightly("nightly-1")
    assert {k: v.result for k, v in nightly.items()} == {"drift dev": "success", "drift prod": "success",
                                                         "report": "success"}, _drift_logs(tmp_path, "nightly-1")

    # pull request 1: more GPUs for dev only
    git(repo.root, "checkout", "-q", "-b", "more-dev-gpus")
    repo.edit_spec(lambda d: d["gpu_pools"]["training"].__setitem__("overrides", {"dev": {"scaling": {"max": 3}}}))
    repo.commit("dev: training pool up to 3 nodes")
    pr = ci.pull_request("pr-1", main)
    # dev/base, and dev/platform that reads its state (its plan job runs too: base's outputs may change)
    assert list(pr) == ["checks", "plan 0", "plan 1", "plan", "comment"]
    assert pr["plan 0"].result == "success" and pr["plan 1"].result == "success", pr["plan 1"].log
    assert pr["comment"].result == "success", pr["comment"].log
    [comment] = ci.comments
    assert comment.startswith("<!-- mlstrata:pr-comment -->\n## mlstrata plan: ✅ 2 units planned; the review passes")
    row = next(line for line in comment.splitlines() if line.startswith("| 1 | `dev/base`"))
    cells = [c.strip() for c in row.split("|")[1:-1]]
    assert cells[2] == "+0 ~1 -0"  # the plan: dev's GPU pool is updated in place
    assert cells[3].startswith("✅ passes (")  # the review's verdict
    assert re.fullmatch(r"\+\$0\.00 desired, \+\$\d{3}\.\d\d max", cells[4])  # one more g6.2xlarge at most
    assert cells[5] == "✅ at parity"  # scaling differences are allowed by parity.allow
    assert cells[6] == "✅ clean"  # the nightly run's result for dev/base
    assert "<details><summary><code>dev/base</code>" in comment and "Why: spec: renders main.tf differently." in comment
    assert "~ module.gpu_pool_training.mlstrata_gpu_pool.this" in comment
    assert "Spec keys changed: `gpu_pools.training.overrides.dev.scaling.max`." in comment
    assert "Why: reads the state of dev/base, which is affected." in comment
    platform_row = next(line for line in comment.splitlines() if line.startswith("| 2 | `dev/platform`"))
    assert [c.strip() for c in platform_row.split("|")[1:-1]][2] == "no changes"

    # merge: apply the saved plans of dev/base, then dev/platform (against base's outputs as they are now), on a
    # fresh runner
    git(repo.root, "checkout", "-q", "main")
    git(repo.root, "merge", "-q", "--no-ff", "-m", "Merge more-dev-gpus", "more-dev-gpus")
    merge = ci.merge("merge-1", before=main)
    assert json.loads(merge["affected"].outputs["units"]) == ["dev/base", "dev/platform"]
    assert merge["apply-dev-base"].result == "success", merge["apply-dev-base"].log
    assert merge["apply-dev-base"].ran[-2:] == ["Restore the saved plan", "Review gate, then apply dev/base"]
    assert merge["apply-dev-platform"].result == "success", merge["apply-dev-platform"].log
    assert merge["apply-dev-platform"].ran[-2:] == ["Restore the saved plan", "Review gate, then apply dev/platform"]
    assert all(merge[j].result == "skipped" for j in merge
               if j not in ("affected", "apply-dev-base", "apply-dev-platform"))
    assert _state_addresses(repo, "dev/base") == applied

    # pull request 2 drops an artifact store: the review blocks dev/base (a bucket with data would be destroyed)
    main = git(repo.root, "rev-parse", "HEAD")
    git(repo.root, "checkout", "-q", "-b", "drop-checkpoints")
    repo.edit_spec(lambda d: d["artifact_stores"].pop("checkpoints"))
    repo.commit("drop the checkpoints store")
    pr = ci.pull_request("pr-2", main)
    assert pr["plan"].result == "failure" and pr["comment"].result == "success"
    assert len(ci.comments) == 1  # updated, not a second comment
    comment = ci.comments[0]
    # dev and prod both hold the bucket: both plans destroy it, and the review blocks both
    assert "## mlstrata plan: 🛑 the review blocks `dev/base`, `prod/base`: apply will refuse these plans" in comment
    row = next(line for line in comment.splitlines() if line.startswith("| 1 | `dev/base`"))
    assert "-1" in row.split("|")[3] and "🛑 **blocks apply**" in row
    assert "mlstrata_artifact_bucket" in comment and "🛑 error" in comment
    assert [line.split("|")[2].strip() for line in comment.splitlines() if line.startswith("| ") and "`" in line
            and line.split("|")[1].strip().isdigit()] == ["`dev/base`", "`dev/platform`", "`prod/base` 🔒",
                                                          "`prod/platform` 🔒"]

    # a reviewer accepts dev's finding (not prod's) in the acceptance file, with the id and the plan's changes
    # digest from the pull request's plan (its JSON report, or the job log); committing it plans again
    report = json.loads((tmp_path / "artifacts" / "pr-2" / "mlstrata-plan-dev-base" / "plan-report.json").read_text())
    (gate,) = report["gate"]
    assert gate["verdict"] == "blocked" and len(gate["changes_sha256"]) == 64
    (finding,) = gate["blocking"]
    assert "checkpoints" in finding["summary"] and finding["hint"] and finding["where"]
    (repo.root / "mlstrata-accept.yaml").write_text(
        f'accept:\n  - finding: {finding["id"]}\n    plan: "{gate["changes_sha256"]}"\n'
        '    reason: "dev checkpoints are scratch; nothing to keep"\n    by: "@ml-platform"\n', encoding="utf-8")
    repo.commit("accept dropping dev's checkpoints")
    pr = ci.pull_request("pr-3", main)
    # the plan file is new, its changes are the same: dev's acceptance holds; prod is still blocked
    dev_plan, prod_plan = (pr[k] for k in ("plan 0", "plan 2"))  # plan 1 and 3: the platforms that read them
    assert dev_plan.result == "success", dev_plan.log
    assert prod_plan.result == "failure" and pr["plan"].result == "failure"
    again = json.loads((tmp_path / "artifacts" / "pr-3" / "mlstrata-plan-dev-base" / "plan-report.json").read_text())
    assert again["gate"][0]["changes_sha256"] == gate["changes_sha256"]
    assert again["gate"][0]["plan_sha256"] != gate["plan_sha256"]  # Terraform stamps every plan file
    assert again["gate"][0]["verdict"] == "accepted"
    comment = ci.comments[0]
    assert "## mlstrata plan: 🛑 the review blocks `prod/base`: apply will refuse these plans" in comment
    dev_row = next(line for line in comment.splitlines() if line.startswith("| 1 | `dev/base`"))
    assert "✅ 1 blocking finding(s) accepted" in dev_row

    git(repo.root, "checkout", "-q", "main")
    git(repo.root, "merge", "-q", "--no-ff", "-m", "Merge drop-checkpoints", "drop-checkpoints")
    merge = ci.merge("merge-2", before=main)
    assert json.loads(merge["affected"].outputs["units"]) == ["dev/base", "dev/platform", "prod/base", "prod/platform"]
    accepted = merge["apply-dev-base"]
    assert accepted.result == "success", accepted.log
    assert "module.artifacts_checkpoints.mlstrata_artifact_bucket.this" not in _state_addresses(repo, "dev/base")
    journal = [json.loads(line) for line in
               (repo.infra / ".mlstrata" / "state" / "dev" / "base.journal.jsonl").read_text().splitlines()]
    started = [e for e in journal if e["phase"] == "started"][-1]
    assert started["review"]["verdict"] == "accepted" and started["changes_sha256"] == gate["changes_sha256"]
    assert [(a["reason"], a["accepted_by"]) for a in started["review"]["accepted"]] == [
        ("dev checkpoints are scratch; nothing to keep", "@ml-platform")]
    blocked = merge["apply-prod-base"]
    assert blocked.result == "failure" and blocked.failed_step == "Review gate, then apply prod/base", blocked.log
    # the job log has the review's full text for each finding, the id, and how to accept it
    assert "blocking" in blocked.log and "fix:" in blocked.log and "nothing was applied" in blocked.log
    assert "--accept-file FILE" in blocked.log
    assert "module.artifacts_checkpoints.mlstrata_artifact_bucket.this" in _state_addresses(repo, "prod/base")

    # drift: dev's datasets bucket deleted outside Terraform becomes one issue for dev/base
    bucket = next(p for p in (repo.infra / ".mlstrata" / "platform" / "dev").rglob("*datasets*") if p.is_dir())
    shutil.rmtree(bucket)
    nightly = ci.nightly("nightly-2")
    assert nightly["drift dev"].result == "success" and nightly["report"].result == "success", nightly["drift dev"].log
    rows = [line.split("\t") for line in
            (tmp_path / "artifacts" / "nightly-2" / "mlstrata-drift" / "issues.tsv").read_text().splitlines()]
    status = {r[0]: r[1] for r in rows}
    assert status == {"dev/base": "drift", "dev/platform": "clean", "prod/base": "clean", "prod/platform": "clean"}
    dev_issue = next(r for r in rows if r[0] == "dev/base")
    assert dev_issue[2] == "mlstrata drift: dev/base"
    body = Path(dev_issue[3]).read_text(encoding="utf-8") if Path(dev_issue[3]).is_absolute() else \
        (repo.root / dev_issue[3]).read_text(encoding="utf-8")
    assert "module.artifacts_datasets.mlstrata_artifact_bucket.this" in body
