"""`check` on hostile trees (issue 10, reproductions 6, 7 and 13): one bad file is one MLS000 finding at
its place while the rest of the tree is still checked; FIFOs are skipped, unreadable directories reported."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from support.cli import mlstrata
from support.privileges import without_dac_override

from mlstrata.diagnostics import Diagnostic
from mlstrata.rules.runner import CheckResult, run_check

REPO = Path(__file__).resolve().parents[2]
GOOD = (REPO / "tests" / "testdata" / "rules" / "MLS012" / "fail" / "main.tf").read_text()


def _tree(tmp_path: Path, bad: dict[str, str]) -> Path:
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "main.tf").write_text(GOOD)
    for name, text in bad.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "main.tf").write_text(text)
    return tmp_path


def _good_still_checked(findings: list[Diagnostic]) -> bool:
    return any(d.code == "MLS012" and d.where and d.where.file.endswith("good/main.tf") for d in findings)


@pytest.mark.parametrize(("text", "summary", "line"), [
    ("a = " + "[" * 1000 + "]" * 1000 + "\n", "Nesting deeper than 64 levels", 1),
    ("locals {\n" + "b {\n" * 1000 + "}\n" * 1000 + "}\n", "Nesting deeper than 64 levels", 65),
    ("locals {\n  n = " + "9" * 100_000 + "\n}\n", "Number literal with 100000 characters is too long", 2),
])
def test_one_bad_file_is_one_finding_and_the_rest_is_checked(tmp_path: Path, text: str, summary: str,
                                                           line: int) -> None:
    result = run_check([_tree(tmp_path, {"bad": text})], workers=1)
    (broken,) = [d for d in result.findings if d.code == "MLS000"]
    assert broken.summary == summary and broken.where is not None and broken.where.line == line
    assert broken.where.file == str(tmp_path / "bad" / "main.tf")
    assert "syntax" not in broken.hint.lower()  # the hint fits the cause
    assert _good_still_checked(result.findings)


def test_oversize_file_is_a_finding(tmp_path: Path) -> None:
    tree = _tree(tmp_path, {"big": "a = [" + ",".join(['"x"'] * 600_000) + "]\n"})
    result = run_check([tree], workers=1)
    (broken,) = [d for d in result.findings if d.code == "MLS000"]
    assert "over the 2,097,152-byte limit" in broken.summary and "Split it" in broken.hint
    assert _good_still_checked(result.findings)


def test_a_fifo_named_tf_is_skipped_not_waited_on(tmp_path: Path) -> None:
    tree = _tree(tmp_path, {})
    (tree / "pipe").mkdir()
    os.mkfifo(tree / "pipe" / "main.tf")
    os.mkfifo(tree / "good" / "other.tf")
    done: list[CheckResult] = []
    worker = threading.Thread(target=lambda: done.append(run_check([tree], workers=1)), daemon=True)
    worker.start()
    worker.join(120)  # generous: a blocked read never returns at all
    assert done, "check blocked on a FIFO"
    assert done[0].files == 1 and _good_still_checked(done[0].findings)


def test_unreadable_directory_is_reported_not_skipped(tmp_path: Path) -> None:
    tree = _tree(tmp_path, {"locked": GOOD})
    os.chmod(tree / "locked", 0)
    os.chmod(tmp_path, 0o755)
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    try:
        proc = mlstrata("check", str(tree), wrapper=without_dac_override(), env=env, cwd=Path("/"))
    finally:
        os.chmod(tree / "locked", 0o755)
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out
    assert proc.returncode == 1, out
    assert f"{tree / 'locked'}: error MLS000 Cannot read directory: permission denied" in out
    assert "Make it readable" in out
    assert "good/main.tf:1:1: error MLS012" in out
