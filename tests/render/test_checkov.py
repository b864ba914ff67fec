"""An independent scanner (checkov) finds nothing on the rendered AWS tree beyond the reasoned allowlist."""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from mlstrata.render.tree import render_tree, write_tree
from mlstrata.spec.load import load_spec
from mlstrata.targets.registry import TARGETS

REPO = Path(__file__).resolve().parents[2]
ALLOWLIST = REPO / "tests" / "checkov_allowlist.yaml"


def checkov_binary() -> str:
    found = os.environ.get("MLSTRATA_CHECKOV") or shutil.which("checkov")
    local = REPO / ".venv-checkov" / "bin" / "checkov"
    if not found and local.exists():
        found = str(local)
    if not found:
        pytest.fail("checkov is not installed: run ./scripts/test, which installs it into .venv-checkov")
    return found


def load_allowlist(path: Path = ALLOWLIST) -> list[dict[str, Any]]:
    entries = YAML(typ="safe").load(path.read_text()) or []
    for entry in entries:
        assert {"check", "resource", "envs", "reason"} <= set(entry), f"entry needs check/resource/envs/reason: {entry}"
        assert isinstance(entry["envs"], list) and entry["envs"], f"envs must be a non-empty list: {entry}"
        assert len(entry["reason"].split()) >= 6, f"allowlist reason too thin: {entry}"
    return list(entries)


def _env_of(path: str) -> str:
    """The environment a finding belongs to: a module resource is reported with its caller's file."""
    parts = path.strip("/").split("/")
    if parts[0] == "live" and len(parts) > 1:
        return parts[1]
    return parts[0]  # "bootstrap"


def allowed(finding: dict[str, str], entry: dict[str, Any]) -> bool:
    envs = entry["envs"]
    assert isinstance(envs, list)
    trees = entry.get("trees")  # optional: only in these rendered trees (a variant's declared choice)
    return (finding["check"] == entry["check"] and fnmatch.fnmatch(finding["resource"], str(entry["resource"]))
            and ("*" in envs or finding["env"] in envs)
            and (trees is None or (isinstance(trees, list) and finding.get("tree") in trees)))


def run_checkov(path: Path, render_iterations: int | None = None) -> list[dict[str, str]]:
    """checkov's findings on `path`. `render_iterations`: how many repeated passes over the same variable edges
    checkov tolerates before it stops resolving module variables (RENDER_EDGES_DUPLICATE_ITER_COUNT, default 4).
    Past that it stops silently: arguments set from module variables then read as unset, so some checks fail
    falsely and others are skipped without a word, which an allowlist would hide."""
    env = {
        **os.environ,
        # offline: fail fast instead of waiting on the vendor API (see shared FACTS)
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true",
        "TF_CLI_CONFIG_FILE": os.devnull,
    }
    if render_iterations is not None:
        env["RENDER_EDGES_DUPLICATE_ITER_COUNT"] = str(render_iterations)
    env.pop("BC_API_KEY", None)
    proc = subprocess.run(
        [checkov_binary(), "-d", str(path), "--framework", "terraform", "-o", "json", "--quiet",
         "--download-external-modules", "false", "--compact"],
        capture_output=True, text=True, env=env, check=False, timeout=900,
    )
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    reports = report if isinstance(report, list) else [report]
    failed: list[dict[str, str]] = []
    for rep in reports:
        for check in rep.get("results", {}).get("failed_checks", []):
            failed.append({"check": check["check_id"], "resource": check["resource"],
                           "file": check.get("file_path", ""), "name": check.get("check_name", ""),
                           "env": _env_of(check.get("caller_file_path") or check.get("file_path", ""))})
    return failed


# The example, a multi-account, multi-region variant (environments dev/staging/production), and the
# Karpenter variant.
TREES = {
    "aws-example": REPO / "examples" / "aws" / "platform.yaml",
    "aws-multi-region": REPO / "tests" / "testdata" / "render" / "aws-multi-region" / "spec.yaml",
    # autoscaler: karpenter (no GPU node groups; Karpenter's roles, queue and rules instead)
    "aws-karpenter": REPO / "tests" / "testdata" / "render" / "aws-karpenter" / "spec.yaml",
}


@pytest.fixture(scope="module")
def checkov_findings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, str]]]:
    """checkov's failed checks per rendered tree: one checkov run per tree per session (each takes minutes
    on a busy machine), shared by the tests below."""
    out: dict[str, list[dict[str, str]]] = {}
    for name, spec in TREES.items():
        tree = tmp_path_factory.mktemp(name) / "infra"
        write_tree(render_tree(load_spec(spec, targets=TARGETS)), tree)
        out[name] = [{**f, "tree": name} for f in run_checkov(tree)]
    return out


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(TREES))
def test_rendered_aws_tree_is_checkov_clean(checkov_findings: dict[str, list[dict[str, str]]], name: str) -> None:
    allow = load_allowlist()
    failed = checkov_findings[name]
    assert all(f["env"] for f in failed)
    unexpected = [f for f in failed if not any(allowed(f, a) for a in allow)]
    assert not unexpected, f"{name}: checkov findings not in the allowlist:\n" + "\n".join(
        f"{f['check']} {f['resource']} [{f['env']}] ({f['file']}): {f['name']}" for f in unexpected)


@pytest.mark.slow
def test_every_allowlist_entry_is_used(checkov_findings: dict[str, list[dict[str, str]]]) -> None:
    allow = load_allowlist()
    failed = [f for found in checkov_findings.values() for f in found]
    unused = [a for a in allow if not any(allowed(f, a) for f in failed)]
    assert not unused, f"allowlist entries that no longer match anything (remove them): {unused}"


def test_allowlist_scoping_does_not_cover_prod() -> None:
    """A prod database that lost multi-AZ or deletion protection must not be allowlisted."""
    allow = load_allowlist()
    prod_db = {"check": "CKV_AWS_157", "resource": "module.metadata_store.aws_db_instance.this", "env": "prod"}
    dev_db = {**prod_db, "env": "dev"}
    assert not any(allowed(prod_db, a) for a in allow)
    assert any(allowed(dev_db, a) for a in allow)
    assert _env_of("/live/prod/platform/main.tf") == "prod" and _env_of("/bootstrap/state/main.tf") == "bootstrap"

