"""Fuzz the spec loader: mutated real specs, hostile YAML fragments and random text all end in a valid
platform or positioned diagnostics; never an exception, never a hang."""

from __future__ import annotations

from pathlib import Path

from fuzz_support import mutated_lines, run_fuzz
from hypothesis import strategies as st

from mlstrata.spec.load import load_text

REPO = Path(__file__).resolve().parents[2]
SEEDS = [(REPO / "examples" / name / "platform.yaml").read_text() for name in ("quickstart", "aws")]

FRAGMENTS = [
    "&a [1, 2]", "*a", "*missing", "!!int", "!!int abc", "!!python/object/apply:os.system ['ls']", "!!set {a}",
    "!!binary aGk=", "!!timestamp 2024-01-01", "!!float x", "!!map [1]", "!custom x", "<<: *a", "? [a]\n: b",
    "9" * 5000, "0x" + "f" * 100, "1e999", "-.inf", ".nan", "~", "null", "2024-01-01", "'", '"', "\\", "|", ">-",
    "{", "}", "[", "]", ",", ":", "- ", "#", "%YAML 1.1\n---\n", "---", "...", "\t", "\x00", "\x07", "\x1b",
    "\x7f", "\ufffe", "\ufeff", "\u2028", "\U0001f600", "\r", "key: value", "a: {b: [c, {d: e}]}",
]


@st.composite
def bombs(draw: st.DrawFn) -> str:
    width = draw(st.integers(1, 12))
    levels = draw(st.integers(1, 10))
    lines = ["l0: &l0 [" + ", ".join(["x"] * width) + "]"]
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


@st.composite
def nested(draw: st.DrawFn) -> str:
    depth = draw(st.integers(1, 400))
    kind = draw(st.sampled_from(["flow_list", "flow_map", "block_map", "block_list"]))
    if kind == "flow_list":
        return "a: " + "[" * depth + "]" * depth
    if kind == "flow_map":
        return "a: " + "{b: " * depth + "c" + "}" * depth
    if kind == "block_map":
        return "".join("  " * i + f"k{i}:\n" for i in range(depth))
    return "".join("  " * i + "-\n" for i in range(depth))


@st.composite
def mutated_spec(draw: st.DrawFn) -> str:
    return mutated_lines(draw, SEEDS, FRAGMENTS)


SPECS = st.one_of(
    mutated_spec(),
    mutated_spec(),
    bombs(),
    nested(),
    st.lists(st.sampled_from(FRAGMENTS), max_size=12).map(" ".join),
    st.text(max_size=300),
)


def test_fuzz_spec_loader() -> None:
    tally = run_fuzz(SPECS, lambda text: load_text(text).warnings)
    assert tally.diagnosed > tally.cases // 2  # most mutations are wrong: the fuzz really reaches the errors
