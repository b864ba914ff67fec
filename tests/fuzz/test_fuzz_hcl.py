"""Fuzz the HCL reader and the checker behind it: mutated real modules, hostile fragments and random text
all end in findings (a broken file is one MLS000 finding) or a clean result; never an exception, never a hang."""

from __future__ import annotations

from pathlib import Path

import tree_sitter
from fuzz_support import mutated_lines, run_fuzz
from hypothesis import strategies as st

from mlstrata.diagnostics import Diagnostic
from mlstrata.hcl import parse_text
from mlstrata.hcl.reader import _language, read_tree
from mlstrata.rules.runner import run_check

REPO = Path(__file__).resolve().parents[2]
SEEDS = sorted({p.read_text() for p in (REPO / "src" / "mlstrata" / "terraform" / "modules").rglob("main.tf")}
               | {p.read_text() for p in (REPO / "tests" / "testdata" / "rules").rglob("*.tf")})

FRAGMENTS = [
    "{", "}", "[", "]", "(", ")", '"', "${", "%{", "}}", "<<EOT\nx\nEOT\n", "<<-EOT\n  y\n  EOT\n", "<<EOT", "=", ",",
    "#", "//", "/*", "*/", "\\", "\\u00", "1e3", "9" * 5000, "0x1F", "-", "!", "? :", "...", "[*]", ".*",
    "for x in y :",
    "null", "true", "var.x", "local.y", "module.m.out", "each.key", "count.index", "dynamic \"x\" {", "content {",
    "resource \"aws_s3_bucket\" \"b\" {", "jsonencode({a = 1})", "jsondecode(\"{\")", "format(\"%d\", \"x\")",
    "\x00", "\x07", "\ufffe", "\U0001f600", "\r\n", "\t", "é", "a = [" * 50, "b {" * 40,
    '"a long plain string"', 'x = "another long plain one"', "<<EOT\na = \"inside a heredoc\"\nEOT\n",
]


@st.composite
def nested(draw: st.DrawFn) -> str:
    depth = draw(st.integers(1, 1200))
    kind = draw(st.sampled_from(["tuple", "object", "block", "parens", "call"]))
    if kind == "tuple":
        return "a = " + "[" * depth + "]" * depth + "\n"
    if kind == "object":
        return "a = " + "{b = " * depth + "1" + "}" * depth + "\n"
    if kind == "block":
        return "b {\n" * depth + "}\n" * depth
    if kind == "parens":
        return "a = " + "(" * depth + "1" + ")" * depth + "\n"
    return "locals {\n a = " + "concat(" * depth + "[]" + ")" * depth + "\n}\n"


@st.composite
def mutated(draw: st.DrawFn) -> str:
    return mutated_lines(draw, SEEDS, FRAGMENTS, ("insert", "replace", "delete", "duplicate", "indent"), 20)


SOURCES = st.one_of(
    mutated(), mutated(), nested(),
    st.lists(st.sampled_from(FRAGMENTS), max_size=15).map(" ".join),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
)


def test_fuzz_hcl_reader() -> None:
    def read(text: str) -> list[Diagnostic]:
        parsed = parse_text(text, "fuzz.tf")
        # the parser reads plain strings masked (hcl.reader.parse_tree): always as it reads the source
        src = text.encode("utf-8")
        assert parsed == read_tree(src, tree_sitter.Parser(_language()).parse(src), "fuzz.tf")
        errors = parsed.errors
        for diag in errors:
            assert diag.where is not None and diag.where.line >= 1, diag
        return errors

    run_fuzz(SOURCES, read)


def test_fuzz_checker_on_hostile_files(tmp_path: Path) -> None:
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "main.tf").write_text(SEEDS[0])
    (tmp_path / "fuzz").mkdir()
    target = tmp_path / "fuzz" / "main.tf"
    clean = {d.headline() for d in run_check([tmp_path / "good"], workers=1).findings}

    def check(text: str) -> list[Diagnostic]:
        target.write_bytes(text.encode("utf-8", "surrogatepass"))
        result = run_check([tmp_path], workers=1)
        # the healthy module is still checked, whatever the fuzzed file holds
        assert clean <= {d.headline() for d in result.findings}
        broken = [d for d in result.findings if d.code == "MLS000"]
        assert len(broken) <= 1 and all(d.where and d.where.file == str(target) for d in broken)
        return result.findings

    run_fuzz(SOURCES, check)
