"""An independent scanner (checkov) finds nothing on the rendered AWS tree beyond the reasoned allowlist."""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML
from support.checkov import env_of, failed, scan_all

from mlstrata.render.tree import render_tree, write_tree
from mlstrata.spec.load import load_spec
from mlstrata.targets.registry import TARGETS

REPO = Path(__file__).resolve().parents[2]
ALLOWLIST = REPO / "tests" / "checkov_allowlist.yaml"


def load_allowlist(path: Path = ALLOWLIST) -> list[dict[str, Any]]:
    entries = YAML(typ="safe").load(path.read_text()) or []
    for entry in entries:
        assert {"check", "resource", "envs", "reason"} <= set(entry), f"entry needs check/resource/envs/reason: {entry}"
        assert isinstance(entry["envs"], list) and entry["envs"], f"envs must be a non-empty list: {entry}"
        assert len(entry["reason"].split()) >= 6, f"allowlist reason too thin: {entry}"
    return list(entries)


def allowed(finding: dict[str, str], entry: dict[str, Any]) -> bool:
    envs = entry["envs"]
    assert isinstance(envs, list)
    trees = entry.get("trees")  # optional: only in these rendered trees (a variant's declared choice)
    return (finding["check"] == entry["check"] and fnmatch.fnmatch(finding["resource"], str(entry["resource"]))
            and ("*" in envs or finding["env"] in envs)
            and (trees is None or (isinstance(trees, list) and finding.get("tree") in trees)))


# The example, a multi-account, multi-region variant (environments dev/staging/production), and the
# Karpenter variant.
TREES = {
    "aws-example": REPO / "examples" / "aws" / "platform.yaml",
    "aws-multi-region": REPO / "tests" / "testdata" / "render" / "aws-multi-region" / "spec.yaml",
    # autoscaler: karpenter (no GPU node groups; Karpenter's roles, queue and rules instead)
    "aws-karpenter": REPO / "tests" / "testdata" / "render" / "aws-karpenter" / "spec.yaml",
}


@pytest.fixture(scope="module")
def checkov_findings(tmp_path_factory: pytest.TempPathFactory, run_dir: Path) -> dict[str, list[dict[str, str]]]:
    """checkov's failed checks per rendered tree: one scan per tree per session (checkov per environment;
    minutes on a busy machine), shared by the tests below."""
    trees: dict[str, Path] = {}
    for name, spec in TREES.items():
        trees[name] = tmp_path_factory.mktemp(name) / "infra"
        write_tree(render_tree(load_spec(spec, targets=TARGETS)), trees[name])
    # One whole-tree run per tree, not yet one per environment: the AWS modules nest (artifact stores call
    # modules/aws/s3_bucket) and checkov names no caller for a nested module's resources, so their
    # environment is unknown in a per-environment scan that keeps bootstrap; until that is attributed,
    # dev and prod module resources that pass like staging's are reported once (tests/support/checkov.py).
    # The three runs share one checkov start-up (scan_all).
    scanned = scan_all(list(trees.values()), per_environment=False, cache=run_dir / "checkov")
    return {name: failed(results, name) for name, results in zip(trees, scanned, strict=True)}


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
    assert env_of("/live/prod/platform/main.tf") == "prod" and env_of("/bootstrap/state/main.tf") == "bootstrap"

