"""Every finding `mlstrata check` gives on every Terraform fixture of the repository, held to a golden file.

Performance work on the reader, the rules and the runner must leave the findings exactly as they were:
every fixture tree (rule fixtures with their platform.yaml, near-misses, module tests, trees in the shape of the
public module repositories of benchmarks/check_realworld.py, the rendered golden trees with their spec) is
checked in one process and with two worker processes, and both must match tests/testdata/check_findings.json.
Rewrite it with `pytest --update-golden` and review the diff.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mlstrata.rules.context import SpecFacts
from mlstrata.rules.runner import run_check
from mlstrata.rules.spec_facts import spec_facts
from mlstrata.spec.load import load_spec
from mlstrata.targets.registry import TARGETS

TESTDATA = Path(__file__).resolve().parents[1] / "testdata"
GOLDEN = TESTDATA / "check_findings.json"
REPO = str(TESTDATA.parents[1].resolve())


def cases() -> dict[str, tuple[Path, Path | None]]:
    """name -> (tree to check, its spec or None)."""
    out: dict[str, tuple[Path, Path | None]] = {}
    for root in sorted((TESTDATA / "rules").glob("*/*")):
        if root.is_dir():
            spec = root / "platform.yaml"
            out[f"rules/{root.parent.name}/{root.name}"] = (root, spec if spec.is_file() else None)
    for group in ("near-misses", "module_tests", "check_shapes"):
        for root in sorted((TESTDATA / group).iterdir()):
            if root.is_dir():
                out[f"{group}/{root.name}"] = (root, None)
    for root in sorted((TESTDATA / "render").iterdir()):
        if (root / "expected").is_dir():
            out[f"render/{root.name}"] = (root / "expected", root / "spec.yaml")
    return out


def _facts(spec: Path | None) -> SpecFacts | None:
    return spec_facts(load_spec(spec, targets=TARGETS)) if spec is not None else None


def findings(root: Path, spec: Path | None, workers: int) -> dict[str, Any]:
    result = run_check([root], spec=_facts(spec), workers=workers)
    base = str(root.resolve())

    def rel(text: str) -> str:
        # the checked tree's own paths are relative; any other path in the repository (a spec a finding
        # names) is written from the repository root, so the golden file holds for any checkout location
        return text.replace(base + "/", "").replace(base, ".").replace(REPO + "/", "<repo>/")

    return {
        "files": result.files,
        "modules": result.modules,
        "roots": result.roots,
        "findings": [
            {k: rel(v) if isinstance(v, str) else v for k, v in d.to_dict().items()} for d in result.findings
        ],
        "suppressed": [f"{d.code} {rel(str(d.where))} by {rel(s.file)}:{s.line}" for d, s in result.suppressed],
    }


def test_findings_on_every_fixture_match_the_golden_file(update_golden: bool) -> None:
    got = {name: findings(root, spec, workers=1) for name, (root, spec) in cases().items()}
    if update_golden:
        GOLDEN.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")
    expected = json.loads(GOLDEN.read_text())
    assert sorted(got) == sorted(expected), "fixture set differs from the golden file (use --update-golden)"
    changed = [name for name in got if got[name] != expected[name]]
    assert changed == [], f"findings changed on {changed[:10]} (review, then --update-golden if intended)"
    assert sum(len(v["findings"]) for v in got.values()) > 100  # the golden file holds real findings


@pytest.mark.parametrize(
    "name",
    ["render/aws-example", "render/gcp-example", "near-misses/hf-inference-blueprint", "check_shapes/module-repo"],
)
def test_worker_processes_give_the_same_findings(name: str) -> None:
    root, spec = cases()[name]
    assert findings(root, spec, workers=2) == findings(root, spec, workers=1)
