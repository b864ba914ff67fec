"""Runs the jobs of a rendered GitHub workflow here, step by step, the way a runner would: every `run:` script
exactly as written in the workflow (bash -eo pipefail, its env: with `${{ }}` resolved), job and step `if:`
conditions, outputs through $GITHUB_OUTPUT, the job summary into .github-step-summary, artifacts through a folder
per run.

What cannot run here is replaced by its effect, and only that: checkout and setup-python (the scratch repo is
the checkout, this interpreter the Python), installing mlstrata (the code under test is on PATH), and steps that
call GitHub's API (`gh`), which the caller emulates by step name. Docker is not available, so `act` cannot run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

EXPR = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")


class Ctx(dict[str, Any]):
    """Attribute access over a context mapping (`needs.checks.outputs.count`); missing keys are ''."""

    def __getattr__(self, name: str) -> Any:
        value = self.get(name, "")
        return Ctx(value) if isinstance(value, dict) else value


def _lookup(path: str, context: Mapping[str, Any]) -> Any:
    value: Any = context
    for part in path.split("."):
        value = value.get(part, "") if isinstance(value, Mapping) else ""
    return value


def resolve(text: Any, context: Mapping[str, Any]) -> Any:
    if not isinstance(text, str):
        return text

    def one(match: re.Match[str]) -> str:
        value = _lookup(match.group(1), context)
        return value if isinstance(value, str) else json.dumps(value)

    return EXPR.sub(one, text)


def evaluate(condition: str | None, context: Mapping[str, Any], *, failed: bool) -> bool:
    """The few expression forms the rendered workflows use: && ! == != contains fromJSON always cancelled."""
    if condition is None:
        return not failed
    expr = EXPR.sub(lambda m: m.group(1), condition).replace("!=", " __ne__ ").replace("!", " not ")
    expr = expr.replace(" __ne__ ", " != ").replace("&&", " and ").replace("||", " or ")
    expr = expr.replace("needs.*.result", "needs_results")
    names = {k: Ctx(v) if isinstance(v, dict) else v for k, v in context.items()}
    names.update(always=lambda: True, cancelled=lambda: False, success=lambda: not failed,
                 failure=lambda: failed, contains=lambda a, b: b in a, fromJSON=json.loads,
                 needs_results=[n.get("result") for n in context.get("needs", {}).values()])
    result = bool(eval(expr, {"__builtins__": {}}, names))  # a workflow's own `if:` text, rewritten above
    uses_status = any(f in condition for f in ("always()", "cancelled()", "failure()", "success()"))
    return result if uses_status else result and not failed


@dataclass
class JobResult:
    result: str  # success | failure | skipped
    outputs: dict[str, str] = field(default_factory=dict)
    ran: list[str] = field(default_factory=list)
    failed_step: str | None = None
    log: str = ""


Emulation = Callable[[Path, dict[str, str]], dict[str, str]]


@dataclass
class Runner:
    root: Path  # the checkout
    artifacts: Path  # <artifacts>/<run id>/<artifact name>/
    emulate: dict[str, Emulation] = field(default_factory=dict)  # step name -> effect of a GitHub API step

    def workflow(self, path: Path) -> dict[str, Any]:
        data: dict[str, Any] = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
        return data

    def run_job(self, workflow: dict[str, Any], job_id: str, *, run_id: str, github: dict[str, Any],
                needs: dict[str, JobResult] | None = None, matrix: dict[str, Any] | None = None) -> JobResult:
        job = workflow["jobs"][job_id]
        context: dict[str, Any] = {"github": github, "matrix": matrix or {}, "steps": {},
                                   "needs": {k: {"result": v.result, "outputs": v.outputs}
                                             for k, v in (needs or {}).items()}}
        if not evaluate(job.get("if"), context, failed=any(v.result == "failure" for v in (needs or {}).values())):
            return JobResult("skipped")
        result = JobResult("success")
        base_env = {**{k: str(resolve(v, context)) for k, v in workflow.get("env", {}).items()},
                    **{k: str(resolve(v, context)) for k, v in job.get("env", {}).items()}}
        failed = False
        for index, step in enumerate(job["steps"]):
            name = str(resolve(step.get("name", step.get("uses", f"step {index}")), context))
            if not evaluate(step.get("if"), context, failed=failed):
                continue
            env = {**base_env, **{k: str(resolve(v, context)) for k, v in step.get("env", {}).items()}}
            ok, outputs, log = self._step(step, name, env, context, run_id)
            result.log += log
            result.ran.append(name)
            if "id" in step:
                context["steps"][step["id"]] = {"outputs": outputs}
            if not ok and not failed:
                failed, result.failed_step = True, name
        result.result = "failure" if failed else "success"
        result.outputs = {k: str(resolve(v, context)) for k, v in job.get("outputs", {}).items()}
        return result

    def _step(self, step: dict[str, Any], name: str, env: dict[str, str], context: dict[str, Any],
              run_id: str) -> tuple[bool, dict[str, str], str]:
        uses = str(step.get("uses", ""))
        with_ = {k: resolve(v, context) for k, v in step.get("with", {}).items()}
        if uses.startswith(("actions/checkout@", "actions/setup-python@")) or name == "Install mlstrata":
            return True, {}, ""
        if uses.startswith("actions/upload-artifact@"):
            source = self.root / str(with_["path"])
            if not source.is_dir():
                return with_.get("if-no-files-found") != "error", {}, f"{name}: no files at {source}\n"
            shutil.copytree(source, self.artifacts / run_id / str(with_["name"]), dirs_exist_ok=True)
            return True, {}, ""
        if uses.startswith("actions/download-artifact@"):
            store = self.artifacts / str(with_.get("run-id") or run_id)
            dest = self.root / str(with_["path"])
            if "name" in with_:
                if not (store / str(with_["name"])).is_dir():
                    return False, {}, f"{name}: artifact {with_['name']} not found\n"
                shutil.copytree(store / str(with_["name"]), dest, dirs_exist_ok=True)
            else:
                for artifact in sorted(store.iterdir()) if store.is_dir() else []:
                    if fnmatch(artifact.name, str(with_["pattern"])):
                        shutil.copytree(artifact, dest / artifact.name, dirs_exist_ok=True)
            return True, {}, ""
        if name in self.emulate:
            return True, self.emulate[name](self.root, env), ""
        script = str(step["run"])
        assert "gh " not in script, f"step {name!r} calls GitHub's API: give it an emulation"
        output = self.root / ".github-output"
        output.write_text("", encoding="utf-8")
        bin_dir = str(Path(sys.executable).parent)
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=self.root,
                              env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", **env,
                                   "GITHUB_OUTPUT": str(output), "PYTHONPATH": os.pathsep.join(sys.path),
                                   "GITHUB_STEP_SUMMARY": str(self.root / ".github-step-summary")},
                              capture_output=True, text=True, check=False)
        outputs = dict(line.split("=", 1) for line in output.read_text(encoding="utf-8").splitlines() if "=" in line)
        output.unlink()
        return done.returncode == 0, outputs, f"--- {name} (rc {done.returncode})\n{done.stdout}{done.stderr}"
