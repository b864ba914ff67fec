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

checkov's start-up (importing it: ~3.5 s of CPU, a third of a scan of one rendered environment) is paid once per
`scan_all` call, not once per run: the runs a call needs (an environment each, for every tree given) are made by
one process that imports checkov and forks a child per run (tests/support/checkov_runs.py), so each run starts
from the state a fresh `checkov` process has, and their results are those of separate processes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
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


def _environment() -> dict[str, str]:
    env = {
        **os.environ,
        # offline: fail fast instead of waiting on the vendor API (see shared FACTS)
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true",
        "TF_CLI_CONFIG_FILE": os.devnull,
        "RENDER_EDGES_DUPLICATE_ITER_COUNT": str(RENDER_ITERATIONS),
    }
    env.pop("BC_API_KEY", None)
    return env


def _arguments(skip: list[str]) -> list[str]:
    args = ["-d", ".", "--framework", "terraform", "-o", "json", "--download-external-modules", "false", "--compact"]
    for path in skip:
        args += ["--skip-path", path]
    return args


def _interpreter(binary: str) -> str | None:
    """The Python that runs the `checkov` console script (its `#!` line), or None when it is not a Python script."""
    try:
        with open(binary, "rb") as f:
            first = f.readline(512).decode("utf-8", "replace")
    except OSError:
        return None
    words = first[2:].split() if first.startswith("#!") else []
    if words[:1] == ["/usr/bin/env"]:
        words = words[1:]
    return words[0] if len(words) == 1 and "python" in Path(words[0]).name else None


@dataclass(frozen=True)
class _Run:
    tree: Path
    skip: list[str]
    scanned: str = ""  # the environment this run scans ("" for the whole tree)


def _run_all(runs: list[_Run], work: Path) -> list[list[CheckResult]]:
    """checkov's results of each run, in order: all runs in one process that imports checkov once and forks a child
    per run (tests/support/checkov_runs.py), or, for a checkov that is not a Python script, one process per run."""
    binary = checkov_binary()
    python = _interpreter(binary)
    env = _environment()
    if python is None:
        outputs = []
        for run in runs:
            proc = subprocess.run([binary, *_arguments(run.skip)], cwd=run.tree, capture_output=True, text=True,
                                  env=env, check=False, timeout=1800)
            outputs.append((proc.returncode, proc.stdout, proc.stderr))
        return [_results(run, *out) for run, out in zip(runs, outputs, strict=True)]
    jobs = [{"cwd": str(run.tree), "argv": _arguments(run.skip), "stdout": str(work / f"run{i}.out"),
             "stderr": str(work / f"run{i}.err")} for i, run in enumerate(runs)]
    (work / "jobs.json").write_text(json.dumps(jobs), encoding="utf-8")
    # -P: this folder (which holds this checkov.py) must not come first on the script's sys.path
    proc = subprocess.run([python, "-P", str(Path(__file__).with_name("checkov_runs.py")), str(work / "jobs.json")],
                          capture_output=True, text=True, env=env, check=False, timeout=1800 * len(runs))
    assert proc.returncode == 0, proc.stderr[-2000:]
    codes = json.loads(proc.stdout)
    assert len(codes) == len(runs), proc.stdout
    return [_results(run, code, Path(str(job["stdout"])).read_text(encoding="utf-8"),
                     Path(str(job["stderr"])).read_text(encoding="utf-8"))
            for run, code, job in zip(runs, codes, jobs, strict=True)]


def _results(run: _Run, returncode: int, stdout: str, stderr: str) -> list[CheckResult]:
    assert returncode in (0, 1), stderr[-2000:]
    report = json.loads(stdout)
    out: list[CheckResult] = []
    for rep in report if isinstance(report, list) else [report]:
        assert rep.get("summary", {}).get("parsing_errors", 0) == 0, rep.get("results", {}).get("parsing_errors")
        for key, passed in (("passed_checks", True), ("failed_checks", False)):
            for check in rep.get("results", {}).get(key, []):
                caller = check.get("caller_file_path") or ""
                file = check.get("file_path", "")
                out.append(CheckResult(check["check_id"], check["resource"], file, caller,
                                       check.get("check_name", ""), env_of(caller or file), passed, run.scanned))
    return out


def scan(tree: Path, *, per_environment: bool = True, cache: Path | None = None) -> list[CheckResult]:
    """checkov's passed and failed checks on a rendered tree, each environment scanned on its own (or, with
    `per_environment=False`, the whole tree in one run); with `cache`, a tree of the same content scanned the
    same way earlier in this run (by any worker) is not scanned again."""
    return scan_all([tree], per_environment=per_environment, cache=cache)[0]


def scan_all(trees: list[Path], *, per_environment: bool = True, cache: Path | None = None
             ) -> list[list[CheckResult]]:
    """`scan` of each tree, in order, with every run checkov has to make (those not in `cache`) made by one
    checkov start-up."""
    if cache is None:
        return _scan(trees, per_environment)
    cache.mkdir(parents=True, exist_ok=True)
    keys = [_cache_key(tree, per_environment) for tree in trees]
    with contextlib.ExitStack() as locks:
        for key in sorted(set(keys)):  # one order for every caller: two workers never wait on each other
            lock = locks.enter_context(open(cache / f"{key}.lock", "w"))
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, also if the scan fails
        found: dict[str, list[CheckResult]] = {}
        for key in keys:
            stored = cache / f"{key}.json"
            if key not in found and stored.is_file():
                found[key] = [CheckResult(**r) for r in json.loads(stored.read_text(encoding="utf-8"))]
        todo = {key: tree for key, tree in zip(keys, trees, strict=True) if key not in found}
        for key, results in zip(todo, _scan(list(todo.values()), per_environment), strict=True):
            partial = cache / f"{key}.partial"
            partial.write_text(json.dumps([dataclasses.asdict(r) for r in results]), encoding="utf-8")
            partial.replace(cache / f"{key}.json")
            found[key] = results
    return [found[key] for key in keys]


def _cache_key(tree: Path, per_environment: bool) -> str:
    """What a scan's results depend on: every file of the tree (by relative path), how it is scanned, checkov."""
    digest = hashlib.sha256(json.dumps([checkov_binary(), RENDER_ITERATIONS, per_environment]).encode())
    for path in sorted(p for p in tree.rglob("*") if p.is_file()):
        digest.update(f"\0{path.relative_to(tree).as_posix()}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _scan(trees: list[Path], per_environment: bool) -> list[list[CheckResult]]:
    if not trees:
        return []
    runs: list[list[_Run]] = []
    for tree in trees:
        envs = sorted(p.name for p in (tree / "live").iterdir() if p.is_dir())
        assert envs, f"no environments under {tree / 'live'}"
        if not per_environment:
            runs.append([_Run(tree, [])])
            continue
        # bootstrap stays in every run: scanned without its caller, a module reads its variables as unset
        runs.append([_Run(tree, [f"live/{other}/" for other in envs if other != env], env) for env in envs])
    with tempfile.TemporaryDirectory(prefix="mlstrata-checkov-") as work:
        done = iter(_run_all([run for per_tree in runs for run in per_tree], Path(work)))
        out: list[list[CheckResult]] = []
        for per_tree in runs:
            results: dict[CheckResult, None] = {}
            for _ in per_tree:
                for result in next(done):
                    results.setdefault(result)
            out.append(list(results))
    return out


def failed(results: list[CheckResult], tree: str = "") -> list[dict[str, str]]:
    return [r.as_finding(tree) for r in results if not r.passed]
