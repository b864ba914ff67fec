"""The one way tests run checkov on a rendered tree, and what it evaluated (passed and failed, per environment).

Two ways checkov under-evaluates a whole rendered tree without saying so, both measured on our examples:
- RENDER_EDGES_DUPLICATE_ITER_COUNT (default 4): past that many repeated passes over the same variable edges
  checkov stops resolving module variables; arguments set from them read as unset, so some checks fail falsely
  and others are skipped (Azure example: CKV_AZURE_206 evaluated on 0 of 4 storage accounts; AWS example: one
  security group's CKV2_AWS_5 only at 12).
- With several environments calling the same local modules in one run, checkov reports a module resource's
  results for one caller only (GCP example, all three environments in one run: the GKE cluster's checks on
  staging only; dev and prod clusters evaluated only when scanned without staging). An environment-scoped
  allowlist entry could then cover a prod finding reported as staging's.
So `scan` runs checkov at 12 iterations and scans every environment on its own (the others skipped with
--skip-path); `tests/render/test_checkov_coverage.py` fails when a key check is evaluated on fewer resources
than an environment declares. The AWS allowlist test still scans the whole tree in one run
(`per_environment=False`), for the reason written there.

Several test files scan the same rendered tree (the GCP and Azure examples: their allowlist test and the coverage
test), so `scan` with a `cache` folder (the `run_dir` fixture's, shared by the run's pytest-xdist workers) keeps
each result under a key of the tree's content and the scan's settings: the first caller scans, holding a lock on
that key, and a caller on another worker waits for that scan instead of repeating it.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RENDER_ITERATIONS = 12


@dataclass(frozen=True)
class CheckResult:
    check: str
    resource: str
    file: str  # the module file that declares the resource
    caller: str  # the root module file that calls it ("" for a root's own resources or a module scanned alone)
    name: str
    env: str  # live/<env>/..., or "bootstrap", or "modules" (a module directory scanned on its own)
    passed: bool
    scanned: str = ""  # the environment whose scan reported it ("" in a whole-tree run)

    def as_finding(self, tree: str = "") -> dict[str, str]:
        """The shape the allowlist tests match on."""
        return {"check": self.check, "resource": self.resource, "file": self.file, "name": self.name,
                "env": self.env, "tree": tree}


def checkov_binary() -> str:
    found = os.environ.get("MLSTRATA_CHECKOV") or shutil.which("checkov")
    local = REPO / ".venv-checkov" / "bin" / "checkov"
    if not found and local.exists():
        found = str(local)
    if not found:
        pytest.fail("checkov is not installed: run ./scripts/test, which installs it into .venv-checkov")
    return found


def env_of(path: str) -> str:
    """The environment a result belongs to: a module resource is reported with its caller's file."""
    parts = path.strip("/").split("/")
    if parts[0] == "live" and len(parts) > 1:
        return parts[1]
    return parts[0]  # "bootstrap", "modules"


def _run(tree: Path, skip: list[str], scanned: str = "") -> list[CheckResult]:
    env = {
        **os.environ,
        # offline: fail fast instead of waiting on the vendor API (see shared FACTS)
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true",
        "TF_CLI_CONFIG_FILE": os.devnull,
        "RENDER_EDGES_DUPLICATE_ITER_COUNT": str(RENDER_ITERATIONS),
    }
    env.pop("BC_API_KEY", None)
    args = [checkov_binary(), "-d", ".", "--framework", "terraform", "-o", "json",
            "--download-external-modules", "false", "--compact"]
    for path in skip:
        args += ["--skip-path", path]
    proc = subprocess.run(args, cwd=tree, capture_output=True, text=True, env=env, check=False, timeout=1800)
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    out: list[CheckResult] = []
    for rep in report if isinstance(report, list) else [report]:
        assert rep.get("summary", {}).get("parsing_errors", 0) == 0, rep.get("results", {}).get("parsing_errors")
        for key, passed in (("passed_checks", True), ("failed_checks", False)):
            for check in rep.get("results", {}).get(key, []):
                caller = check.get("caller_file_path") or ""
                file = check.get("file_path", "")
                out.append(CheckResult(check["check_id"], check["resource"], file, caller,
                                       check.get("check_name", ""), env_of(caller or file), passed, scanned))
    return out


def scan(tree: Path, *, per_environment: bool = True, cache: Path | None = None) -> list[CheckResult]:
    """checkov's passed and failed checks on a rendered tree, each environment scanned on its own (or, with
    `per_environment=False`, the whole tree in one run); with `cache`, a tree of the same content scanned the
    same way earlier in this run (by any worker) is not scanned again."""
    if cache is None:
        return _scan(tree, per_environment)
    cache.mkdir(parents=True, exist_ok=True)
    key = _cache_key(tree, per_environment)
    stored = cache / f"{key}.json"
    with open(cache / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, also if the scan fails
        if stored.is_file():
            return [CheckResult(**r) for r in json.loads(stored.read_text(encoding="utf-8"))]
        results = _scan(tree, per_environment)
        partial = stored.with_suffix(".partial")
        partial.write_text(json.dumps([dataclasses.asdict(r) for r in results]), encoding="utf-8")
        partial.replace(stored)
        return results


def _cache_key(tree: Path, per_environment: bool) -> str:
    """What a scan's results depend on: every file of the tree (by relative path), how it is scanned, checkov."""
    digest = hashlib.sha256(json.dumps([checkov_binary(), RENDER_ITERATIONS, per_environment]).encode())
    for path in sorted(p for p in tree.rglob("*") if p.is_file()):
        digest.update(f"\0{path.relative_to(tree).as_posix()}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _scan(tree: Path, per_environment: bool) -> list[CheckResult]:
    envs = sorted(p.name for p in (tree / "live").iterdir() if p.is_dir())
    assert envs, f"no environments under {tree / 'live'}"
    if not per_environment:
        return _run(tree, [])
    results: dict[CheckResult, None] = {}
    for env in envs:
        # bootstrap stays in every run: scanned without its caller, a module reads its variables as unset
        skip = [f"live/{other}/" for other in envs if other != env]
        for result in _run(tree, skip, env):
            results.setdefault(result)
    return list(results)


def failed(results: list[CheckResult], tree: str = "") -> list[dict[str, str]]:
    return [r.as_finding(tree) for r in results if not r.passed]
