"""The rendered repository's layout has one home (`mlstrata.repo`): no other module spells mlstrata's own folder
(`.mlstrata`) or a path through it; they build paths from repo's names. Text for people (docstrings, help) may
mention the folder; code that reads or writes a path may not."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "mlstrata"
HOME = SRC / "repo.py"
# a different fact that only shares the prefix: the provider store's metadata file inside a bucket (one home there)
OTHER_FACTS = {(SRC / "provider" / "store" / "bucket.py", ".mlstrata-bucket.json")}


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def spelled_paths(path: Path) -> list[tuple[int, str]]:
    """(line, text) of each string in `path`'s code that starts a path with `.mlstrata` or goes through it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = _docstrings(tree)
    hits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            text = node.value
            if (text.startswith(".mlstrata") or "/.mlstrata" in text) and (path, text) not in OTHER_FACTS:
                hits.append((node.lineno, text))
    return hits


def test_only_repo_spells_the_work_folder() -> None:
    found = {f"{p.relative_to(SRC)}:{line}": text for p in sorted(SRC.rglob("*.py")) if p != HOME
             for line, text in spelled_paths(p)}
    assert found == {}


def test_the_check_sees_a_spelled_path(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text('"""Kept in `.mlstrata/x`."""\nX = ".mlstrata/journal"\nY = f"../../../.mlstrata/{1}"\n')
    assert spelled_paths(module) == [(2, ".mlstrata/journal"), (3, "../../../.mlstrata/")]
