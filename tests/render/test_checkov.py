"""An independent scanner (checkov) finds nothing on the rendered AWS tree beyond the reasoned allowlist."""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from mlstrata.render.tree import render_tree, write_tree
from mlstrata.spec.load import load_spec

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


def load_allowlist() -> list[dict[str, str]]:
    entries = YAML(typ="safe").load(ALLOWLIST.read_text()) or []
    for entry in entries:
        assert {"check", "resource", "reason"} <= set(entry), f"allowlist entry needs check/resource/reason: {entry}"
        assert len(entry["reason"].split()) >= 6, f"allowlist reason too thin: {entry}"
    return list(entries)


def run_checkov(path: Path) -> list[dict[str, str]]:
    env = {
        **os.environ,
        # offline: fail fast instead of waiting on the vendor API (see shared FACTS)
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true",
        "TF_CLI_CONFIG_FILE": os.devnull,
    }
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
                           "file": check.get("file_path", ""), "name": check.get("check_name", "")})
    return failed


def test_rendered_aws_tree_is_checkov_clean(tmp_path: Path) -> None:
    out = tmp_path / "infra"
    write_tree(render_tree(load_spec(REPO / "examples" / "aws" / "platform.yaml")), out)
    allow = load_allowlist()
    failed = run_checkov(out)
    unexpected = [f for f in failed if not any(
        f["check"] == a["check"] and fnmatch.fnmatch(f["resource"], a["resource"]) for a in allow)]
    assert not unexpected, "checkov findings not in the allowlist:\n" + "\n".join(
        f"{f['check']} {f['resource']} ({f['file']}): {f['name']}" for f in unexpected)
    unused = [a for a in allow if not any(
        f["check"] == a["check"] and fnmatch.fnmatch(f["resource"], a["resource"]) for f in failed)]
    assert not unused, f"allowlist entries that no longer match anything (remove them): {unused}"
