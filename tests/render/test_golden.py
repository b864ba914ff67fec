"""Golden render cases: tests/testdata/render/<case>/{spec.yaml, expected/}.

`modules/` is a verbatim copy of package data (tested in test_tree.py), so expectations hold the
rest: live roots, bootstrap, README and .gitignore. Rewrite with `pytest --update-golden`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mlstrata.render.tree import render_tree
from mlstrata.spec.load import load_spec
from mlstrata.targets.registry import TARGETS

CASES = sorted(p for p in (Path(__file__).parent.parent / "testdata" / "render").iterdir() if p.is_dir())


def _golden_part(files: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in files.items() if not k.startswith("modules/")}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_render_matches_golden(case: Path, update_golden: bool) -> None:
    tree = render_tree(load_spec(case / "spec.yaml", targets=TARGETS))
    got = _golden_part(tree.files)
    expected_dir = case / "expected"
    if update_golden:
        shutil.rmtree(expected_dir, ignore_errors=True)
        for rel, text in got.items():
            path = expected_dir / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    expected = {
        p.relative_to(expected_dir).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(expected_dir.rglob("*")) if p.is_file()
    }
    assert sorted(got) == sorted(expected), "rendered file set differs from golden (use --update-golden)"
    for rel in got:
        assert got[rel] == expected[rel], f"{case.name}: {rel} differs from golden (use --update-golden)"
