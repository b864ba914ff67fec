"""The jobs that bring up a protected Azure environment's self-hosted runner (bootstrap/ci_runner/<env>), run here
as the rendered apply workflow has them, with the embedded Terraform and `mlstrata review` they run in CI: the plan
job plans, reviews and saves the plan file; the environment's job applies exactly that file. A plan the review
blocks stops before anything is applied, and a saved plan whose state moved is refused.

The runner root itself needs Azure, so the checkout's root is replaced by one of the same shape on the local
provider (an artifact bucket stands for the runner's resources; an ephemeral registration token, a subnet output);
the Azure sign-in steps and the `az` network rule are replaced by their effect (support/workflow_runner.py).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML
from support.rendered import ci_example
from support.scratch_repo import ScratchRepo
from support.workflow_runner import JobResult, Runner

from mlstrata.engine.cliconfig import write_cli_config
from mlstrata.provider import ADDRESS, VERSION
from mlstrata.provider.install import cli_config_block, install_provider

MLSTRATA = str(Path(sys.executable).parent / "mlstrata")
ROOT = "infra/bootstrap/ci_runner/prod"
RUNNER_ROOT = f"""\
terraform {{
  required_providers {{
    mlstrata = {{
      source  = "{ADDRESS}"
      version = "{VERSION}"
    }}
  }}
}}

provider "mlstrata" {{
  root = abspath("${{path.root}}/platform")
}}

variable "ci_engine" {{
  type = string
}}

variable "registration_token" {{
  type      = string
  sensitive = true
  ephemeral = true
  nullable  = false
}}

variable "buckets" {{
  type = set(string)
}}

resource "mlstrata_artifact_bucket" "runner" {{
  for_each = var.buckets
  name     = each.value
}}

output "runner_subnet_id" {{
  value = join(",", sort(keys(mlstrata_artifact_bucket.runner)))
}}
"""
AFFECTED = JobResult("success", outputs={"units": '["prod/base", "prod/platform"]', "plan_run": ""})
GITHUB = {"repository_owner": "acme", "event": {"repository": {"name": "ml"}}}


class RunnerJobs:
    def __init__(self, root: Path, artifacts: Path) -> None:
        self.root = root
        self.network: list[str] = []
        self.runner = Runner(root, artifacts, emulate={
            "Azure CLI sign-in (OIDC) for kubelogin": lambda root, env: {},
            "kubelogin": lambda root, env: {},
            # az storage account network-rule add: what it would allow
            "Allow the runner subnet of prod on the state account": self._network,
        })
        self.workflow: dict[str, Any] = YAML(typ="safe").load(
            (root / ".github" / "workflows" / "mlstrata-apply.yml").read_text(encoding="utf-8"))

    def _network(self, root: Path, env: dict[str, str]) -> dict[str, str]:
        self.network.append(env["RUNNER_DIR"])
        return {}

    def fresh_machine(self) -> None:
        """Each job starts on a new runner: no working folder, no saved plan (the state stays: it is remote)."""
        for path in ("mlstrata-ci", f"{ROOT}/.terraform", f"{ROOT}/runner.tfplan", f"{ROOT}/.terraform.lock.hcl"):
            target = self.root / path
            shutil.rmtree(target, ignore_errors=True) if target.is_dir() else target.unlink(missing_ok=True)

    def run(self, run_id: str) -> tuple[JobResult, JobResult]:
        self.fresh_machine()
        before = {"affected": AFFECTED, **{j: JobResult("success") for j in
                                           self.workflow["jobs"]["runner-plan-prod"]["needs"] if j != "affected"}}
        plan = self.runner.run_job(self.workflow, "runner-plan-prod", run_id=run_id, github=GITHUB, needs=before)
        self.fresh_machine()
        apply = self.runner.run_job(self.workflow, "runner-prod", run_id=run_id, github=GITHUB,
                                    needs={**before, "runner-plan-prod": plan})
        return plan, apply


def _buckets(repo: ScratchRepo, *names: str) -> None:
    (repo.root / ROOT / "terraform.tfvars.json").write_text(json.dumps({"buckets": list(names)}), encoding="utf-8")


def _in_state(repo: ScratchRepo) -> list[str]:
    state = json.loads((repo.root / ROOT / "terraform.tfstate").read_text(encoding="utf-8"))
    return sorted(i["index_key"] for r in state["resources"] for i in r["instances"])


@pytest.mark.slow  # real Terraform with the local provider: about eight plans and applies
def test_the_runner_root_applies_only_the_plan_its_review_passed(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    plugins = tmp_path / "plugins"
    install_provider(plugins)
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(write_cli_config(tmp_path / "terraform.rc",
                                                                  [cli_config_block(plugins)])))
    monkeypatch.setenv("MLSTRATA_RUNNER_TOKEN", "unused")  # the workflow reads secrets.MLSTRATA_RUNNER_TOKEN
    repo = ScratchRepo(tmp_path / "repo", ci_example("azure"))  # with CI identities
    done = subprocess.run([MLSTRATA, "ci", "github"], cwd=repo.root, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    shutil.rmtree(repo.root / ROOT)
    (repo.root / ROOT).mkdir()
    (repo.root / ROOT / "main.tf").write_text(RUNNER_ROOT, encoding="utf-8")
    jobs = RunnerJobs(repo.root, tmp_path / "artifacts")
    buckets = repo.root / ROOT / "platform" / "buckets"

    # 1. a new runner: planned, reviewed (nothing blocks a create), approved, and exactly that plan applied
    _buckets(repo, "runner-logs")
    plan, apply = jobs.run("1")
    assert plan.result == "success", plan.log
    saved = tmp_path / "artifacts" / "1" / "mlstrata-runner-prod"
    assert sorted(p.name for p in saved.iterdir()) == ["exit-code", "plan.json", "review.md", "runner.tfplan",
                                                       "terraform.lock.hcl"]  # the providers it was made with
    assert (saved / "exit-code").read_text(encoding="utf-8").strip() == "2"
    assert "mlstrata review" in (repo.root / ".github-step-summary").read_text(encoding="utf-8")
    assert apply.result == "success", apply.log
    assert apply.ran[-2:] == ["Apply the reviewed plan of the runner root of prod",
                              "Allow the runner subnet of prod on the state account"]
    assert _in_state(repo) == ["runner-logs"] and (buckets / "runner-logs").is_dir()
    assert jobs.network == ["bootstrap/ci_runner/prod"]

    # 2. a saved plan whose state moved before its apply (another apply ran in between) is refused
    _buckets(repo, "runner-logs", "runner-cache")
    jobs.fresh_machine()
    before = {"affected": AFFECTED, **{j: JobResult("success") for j in
                                       jobs.workflow["jobs"]["runner-plan-prod"]["needs"] if j != "affected"}}
    plan = jobs.runner.run_job(jobs.workflow, "runner-plan-prod", run_id="2", github=GITHUB, needs=before)
    assert plan.result == "success", plan.log
    _buckets(repo, "runner-logs", "elsewhere")
    moved = subprocess.run([sys.executable, "-P", "-m", "mlstrata.engine.embedded_worker", f"-chdir={ROOT}", "apply",
                            "-input=false", "-auto-approve"], cwd=repo.root, capture_output=True, text=True,
                           check=False, env={**_env(), "TF_VAR_ci_engine": "github",
                                             "TF_VAR_registration_token": "unused"})
    assert moved.returncode == 0, moved.stdout + moved.stderr
    _buckets(repo, "runner-logs", "runner-cache")
    jobs.fresh_machine()
    apply = jobs.runner.run_job(jobs.workflow, "runner-prod", run_id="2", github=GITHUB,
                                needs={**before, "runner-plan-prod": plan})
    assert apply.result == "failure" and apply.failed_step == "Apply the reviewed plan of the runner root of prod"
    assert "Saved plan is stale" in apply.log, apply.log
    assert _in_state(repo) == ["elsewhere", "runner-logs"] and not (buckets / "runner-cache").exists()

    # 3. a plan the review blocks (it destroys an artifact bucket: MLR001) saves nothing, and nothing is applied
    _buckets(repo, "elsewhere")
    plan, apply = jobs.run("3")
    assert plan.result == "failure" and plan.failed_step == "Plan and review the runner root of prod (bootstrap/" \
        "ci_runner/prod)", plan.log
    assert "MLR001" in plan.log and "the review gate blocks this plan, nothing is applied" in plan.log
    assert "Save the reviewed plan" not in plan.ran and not (tmp_path / "artifacts" / "3").exists()
    assert apply.result == "skipped" and apply.ran == []
    assert _in_state(repo) == ["elsewhere", "runner-logs"] and (buckets / "runner-logs").is_dir()


def _env() -> dict[str, str]:
    import os

    return {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
            "PYTHONPATH": os.pathsep.join(sys.path)}


def test_an_ephemeral_variable_is_asked_again_when_a_saved_plan_is_applied_and_may_differ(tmp_path: Path) -> None:
    """Why the runner plan job needs no registration token (steps.RUNNER_TOKEN_AT_PLAN): Terraform keeps no
    ephemeral value in a saved plan and asks for it again at apply, "possibly to a different value"
    (hashicorp/terraform 23ebf2d); the apply uses the apply-time value, and refuses to apply without one."""
    from mlstrata.ci.steps import RUNNER_TOKEN_AT_PLAN

    root = tmp_path / "root"
    root.mkdir()
    (root / "main.tf").write_text(
        'variable "token" {\n  type      = string\n  ephemeral = true\n  nullable  = false\n}\n\n'
        'resource "terraform_data" "write" {\n  provisioner "local-exec" {\n'
        '    command     = "printf %s \\"$TOKEN\\" > applied-token"\n'
        "    environment = { TOKEN = var.token }\n  }\n}\n", encoding="utf-8")

    def tf(*args: str, token: str | None) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in _env().items() if k != "TF_VAR_token"}
        if token is not None:
            env["TF_VAR_token"] = token
        return subprocess.run([sys.executable, "-P", "-m", "mlstrata.engine.embedded_worker", f"-chdir={root}",
                               *args], cwd=root, capture_output=True, text=True, check=False, env=env)

    assert tf("init", "-input=false", token=None).returncode == 0
    planned = tf("plan", "-input=false", "-out=saved.tfplan", token=RUNNER_TOKEN_AT_PLAN)
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert RUNNER_TOKEN_AT_PLAN.encode() not in (root / "saved.tfplan").read_bytes()
    without = tf("apply", "-input=false", "saved.tfplan", token=None)
    said = " ".join((without.stdout + without.stderr).split())
    assert without.returncode != 0 and 'The ephemeral input variable "token" was set during the plan phase' in said
    assert not (root / "applied-token").exists()
    applied = tf("apply", "-input=false", "saved.tfplan", token="the-real-token")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert (root / "applied-token").read_text(encoding="utf-8") == "the-real-token"
