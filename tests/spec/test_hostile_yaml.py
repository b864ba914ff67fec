"""Hostile YAML (issue 10, reproductions 1 and 2): each one is a positioned diagnostic, fast.

"Fast" is this process's CPU time, not wall time: other processes on a busy machine stretch the wall clock, while
an unbounded alias expansion costs CPU (ruamel.yaml alone ran past 30 s on the bomb)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from mlstrata.diagnostics import DiagnosticsError
from mlstrata.spec.load import load_spec, load_text


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    lines = ["l0: &l0 [" + ", ".join(['"lol"'] * width) + "]"]
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


CASES = [
    ("alias_bomb", billion_laughs(), 5, "expands to more than"),
    ("nul", "platform: x\nregion: a\x00b\n", 2, "control character U+0000"),
    ("bell", "platform: \x07\n", 1, "control character U+0007"),
    ("escape", "platform: \x1b[31m\n", 1, "control character U+001B"),
    ("delete", "platform: \x7f\n", 1, "control character U+007F"),
    ("ufffe", "platform: \ufffe\n", 1, "control character U+FFFE"),
    ("nested_lists", "platform: " + "[" * 300 + "]" * 300 + "\n", 1, "more than 200 nested brackets"),
    ("nested_blocks", "".join("  " * i + f"k{i}:\n" for i in range(300)), 33, "nesting deeper than 32 levels"),
    ("huge_int", "platform: x\nmax: " + "9" * 5000 + "\n", 2, "number with 5000 digits is too long"),
    ("python_tag", "platform: !!python/object/apply:os.system ['id']\n", 1, "tag `tag:yaml.org,2002:python/"),
    ("int_tag_empty", "platform: x\nregion: !!int\n", 2, "tag `tag:yaml.org,2002:int` is not supported"),
    ("int_tag_text", "platform: x\nregion: !!int eu-west-1\n", 2, "tag `tag:yaml.org,2002:int`"),
    ("complex_key", "? [a, b]\n: c\n", 1, "a mapping key must be a plain value"),
]


@pytest.mark.parametrize(("text", "line", "summary"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hostile_yaml_is_one_positioned_diagnostic(text: str, line: int, summary: str) -> None:
    start = time.process_time()
    with pytest.raises(DiagnosticsError) as info:
        load_text(text, "platform.yaml")
    elapsed = time.process_time() - start
    (diag,) = info.value.diagnostics
    assert summary in diag.summary
    assert diag.where is not None and diag.where.file == "platform.yaml" and diag.where.line == line
    assert diag.hint and "\n" not in diag.summary
    assert elapsed < 1.0, f"{elapsed:.2f} s"


def test_alias_bomb_from_a_file_fails_in_under_a_second(tmp_path: Path) -> None:
    spec = tmp_path / "platform.yaml"
    spec.write_text(billion_laughs())
    start = time.process_time()
    with pytest.raises(DiagnosticsError) as info:
        load_spec(spec)
    assert time.process_time() - start < 1.0
    assert info.value.diagnostics[0].where is not None and info.value.diagnostics[0].where.file == str(spec)


def test_merge_keys_and_small_aliases_still_work() -> None:
    text = (Path(__file__).resolve().parents[2] / "examples" / "quickstart" / "platform.yaml").read_text()
    anchored = text.replace("environments:", "x-defaults: &d {}\nenvironments:", 1)
    with pytest.raises(DiagnosticsError) as info:
        load_text(anchored)
    # the alias machinery is fine; only the unknown top-level key is reported
    assert [d.summary for d in info.value.diagnostics] == ["unknown key `x-defaults`"]


def test_oversize_and_non_regular_spec_files(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("a: " + "x" * (300 * 1024) + "\n")
    with pytest.raises(DiagnosticsError) as info:
        load_spec(big)
    assert "over the 262,144-byte limit" in info.value.diagnostics[0].summary
    with pytest.raises(DiagnosticsError) as info:
        load_spec(tmp_path)
    assert "a directory" in info.value.diagnostics[0].summary
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    with pytest.raises(DiagnosticsError) as info:
        load_spec(fifo)  # returns at once: a FIFO is never opened
    assert "not a regular file" in info.value.diagnostics[0].summary
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes(b"platform: caf\xe9\n")
    with pytest.raises(DiagnosticsError) as info:
        load_spec(bad)
    assert "not UTF-8" in info.value.diagnostics[0].summary and info.value.diagnostics[0].where.line == 1
