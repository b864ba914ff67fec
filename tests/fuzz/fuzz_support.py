"""What every fuzz test asserts: each case ends in success or diagnostics, never an exception, never a hang.

The case count is MLSTRATA_FUZZ_CASES (default 2,000 per target per run); each test checks it really ran
that many cases and reports the slowest one. Cases are derandomized (the same every run, so CI is reproducible);
MLSTRATA_FUZZ_RANDOM=1 draws fresh ones for exploratory runs: a failure found that way becomes a fixed regression case.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlstrata.diagnostics import Diagnostic, DiagnosticsError

CASES = int(os.environ.get("MLSTRATA_FUZZ_CASES", "2000"))
# A hang guard, not a speed test (benchmarks/ measures speed): the slowest case seen idle is ~2 s, so 60 s
# catches catastrophic backtracking or a loop without failing a busy CI machine.
CASE_LIMIT_S = 60.0
RANDOM = os.environ.get("MLSTRATA_FUZZ_RANDOM") == "1"


@dataclass
class FuzzTally:
    cases: int = 0
    diagnosed: int = 0
    succeeded: int = 0
    slowest_s: float = 0.0
    total_s: float = 0.0
    codes: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        return (f"{self.cases} cases: {self.succeeded} succeeded, {self.diagnosed} diagnosed; "
                f"slowest {self.slowest_s:.3f} s, total {self.total_s:.1f} s")


LINE_EDITS = ("insert", "replace", "delete", "duplicate", "indent", "splice_value")


def mutated_lines(draw: st.DrawFn, seeds: list[str], fragments: list[str], edits: tuple[str, ...] = LINE_EDITS,
                  max_fragment: int = 30) -> str:
    """A seed text with 1-4 line edits: a fragment (hostile or random) inserted or swapped in, a line
    deleted, duplicated or re-indented, or the value after `key:` replaced."""
    lines = draw(st.sampled_from(seeds)).splitlines() or [""]
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(edits))
        i = draw(st.integers(0, len(lines) - 1))
        frag = draw(st.one_of(st.sampled_from(fragments), st.text(max_size=max_fragment)))
        if op == "insert":
            col = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:col] + frag + lines[i][col:]
        elif op == "replace":
            lines[i] = frag
        elif op == "delete" and len(lines) > 1:
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "indent":
            lines[i] = " " * draw(st.integers(0, 7)) + lines[i].lstrip()
        elif op == "splice_value" and ":" in lines[i]:
            lines[i] = lines[i].split(":", 1)[0] + ": " + frag
    return "\n".join(lines) + "\n"


def check_diagnostics(diagnostics: list[Diagnostic]) -> None:
    assert diagnostics, "an error must carry at least one diagnostic"
    for diag in diagnostics:
        assert diag.summary.strip(), diag
        assert "\n" not in diag.summary, f"a summary is one line: {diag.summary!r}"
        # where: a file (and line), or for findings about a resource, its address
        assert (diag.where is not None and diag.where.file) or diag.path, f"no position: {diag.headline()}"
        if diag.is_error:
            assert diag.hint, f"an error says how to fix it: {diag.headline()}"


def run_fuzz(strategy: st.SearchStrategy[Any], target: Callable[[Any], list[Diagnostic] | None]) -> FuzzTally:
    """Run `target` on CASES examples of `strategy`. `target` returns diagnostics it reported (a success
    with findings) or None; a DiagnosticsError is a diagnosed failure; any other exception fails the test."""
    tally = FuzzTally()

    @settings(max_examples=CASES, deadline=None, database=None, derandomize=not RANDOM,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def one(case: Any) -> None:
        start = time.perf_counter()
        try:
            found = target(case)
        except DiagnosticsError as exc:
            check_diagnostics(exc.diagnostics)
            tally.diagnosed += 1
            code = exc.diagnostics[0].code
            tally.codes[code] = tally.codes.get(code, 0) + 1
        else:
            if found:
                check_diagnostics(found)
            if found and any(d.is_error for d in found):
                tally.diagnosed += 1  # returned as findings (a file that does not parse) rather than raised
            else:
                tally.succeeded += 1
        elapsed = time.perf_counter() - start
        tally.cases += 1
        tally.total_s += elapsed
        tally.slowest_s = max(tally.slowest_s, elapsed)
        assert elapsed < CASE_LIMIT_S, f"one case took {elapsed:.1f} s: {case!r:.300}"

    one()
    print(tally.summary())
    assert tally.cases >= CASES, f"only {tally.cases} of {CASES} cases ran"
    return tally
