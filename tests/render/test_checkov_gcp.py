"""checkov finds nothing on the rendered GCP example beyond the reasoned, environment-scoped allowlist.

One scan (checkov per environment, tests/support/checkov.py) is shared by the tests of this module."""

from __future__ import annotations

import fnmatch
from pathlib import Path

import pytest
from ruamel.yaml import YAML
from support.checkov import failed, scan

from mlstrata.render.tree import render_tree, write_tree
from mlstrata.spec.load import load_spec
from mlstrata.targets.registry import TARGETS

REPO = Path(__file__).resolve().parents[2]
ALLOWLIST = REPO / "tests" / "checkov_allowlist_gcp.yaml"


@pytest.fixture(scope="module")
def findings(tmp_path_factory: pytest.TempPathFactory, run_dir: Path) -> list[dict[str, str]]:
    out = tmp_path_factory.mktemp("gcp") / "infra"
    write_tree(render_tree(load_spec(REPO / "examples" / "gcp" / "platform.yaml", targets=TARGETS)), out)
    return failed(scan(out, cache=run_dir / "checkov"))  # the coverage test scans the same tree


def _allowlist() -> list[dict[str, object]]:
    entries = YAML(typ="safe").load(ALLOWLIST.read_text(encoding="utf-8")) or []
    for entry in entries:
        assert {"check", "resource", "reason"} <= set(entry), f"allowlist entry needs check/resource/reason: {entry}"
        assert len(str(entry["reason"]).split()) >= 6, f"allowlist reason too thin: {entry}"
    return list(entries)


def _covers(entry: dict[str, object], finding: dict[str, str]) -> bool:
    envs = entry.get("envs")
    return (finding["check"] == entry["check"] and fnmatch.fnmatch(finding["resource"], str(entry["resource"]))
            and (envs is None or finding["env"] in envs))  # type: ignore[operator]


def test_rendered_gcp_tree_is_checkov_clean(findings: list[dict[str, str]]) -> None:
    allow = _allowlist()
    unexpected = [f for f in findings if not any(_covers(a, f) for a in allow)]
    assert not unexpected, "checkov findings not in the allowlist:\n" + "\n".join(
        f"{f['check']} {f['resource']} ({f['file']}): {f['name']}" for f in unexpected)
    unused = [a for a in allow if not any(_covers(a, f) for f in findings)]
    assert not unused, f"allowlist entries that no longer match anything (remove them): {unused}"


def test_environment_scoped_entry_does_not_cover_other_environments() -> None:
    entry = {"check": "CKV_GCP_9", "resource": "module.gpu_pool_training.*", "envs": ["prod"], "reason": "x"}
    finding = {"check": "CKV_GCP_9", "resource": "module.gpu_pool_training.google_container_node_pool.this"}
    assert _covers(entry, {**finding, "env": "prod"})
    assert not _covers(entry, {**finding, "env": "dev"})


def test_checkov_scanned_the_gke_platform(findings: list[dict[str, str]]) -> None:
    # Guards against a run that silently scanned nothing: the allowlisted cluster finding must be there.
    assert any(f["resource"] == "module.cluster.google_container_cluster.this" for f in findings)
