"""`mlstrata review`'s output, byte for byte, on every plan fixture and on the benchmark's 20k-change plan.

Speed work on the decoder and the gate (issue 17) must not change a finding: every report format of every
fixture is kept in a golden file (`--update-golden` rewrites it: review the diff), and the 20,000-change plan of
`benchmarks/review_large_plan.py` by the SHA-256 of each report (several MB each) with its finding counts.
The expectations were written by the code before the speed work (main at 9208376).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest
from support.cli import mlstrata

TESTS = Path(__file__).resolve().parents[1]
TESTDATA = TESTS / "testdata"
GOLDEN = TESTDATA / "review" / "output_golden.json"
LARGE_GOLDEN = TESTDATA / "review" / "output_large_plan.json"
FORMATS = ("human", "json", "markdown", "sarif", "junit")
# every plan JSON under testdata, each with the options that change what the gate reports
OPTIONS: dict[str, list[str]] = {"default": [], "dev-all": ["--env", "dev", "--all"], "prod": ["--env", "prod"]}


def plan_fixtures() -> list[str]:
    return sorted(str(p.relative_to(TESTDATA)) for p in TESTDATA.rglob("*.json")
                  if b'"resource_changes"' in p.read_bytes() or (p.parent.name == "plans" and "review" in p.parts))


def review(plan: str, fmt: str, options: list[str], cwd: Path, *, process: bool = False) -> str:
    result = mlstrata("review", plan, "--format", fmt, "--no-spec", *options, cwd=cwd, process=process)
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}--- stderr\n{result.stderr}"


def test_review_reports_on_every_fixture_match_the_golden_file(update_golden: bool) -> None:
    got = {f"{plan} {fmt} {name}": review(plan, fmt, options, TESTDATA)
           for plan in plan_fixtures() for fmt in FORMATS for name, options in OPTIONS.items()}
    if update_golden:
        GOLDEN.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")
    expected = json.loads(GOLDEN.read_text())
    assert sorted(got) == sorted(expected), "fixture set differs from the golden file (use --update-golden)"
    changed = [key for key in got if got[key] != expected[key]]
    assert changed == [], f"review output changed on {changed[:10]} (review, then --update-golden if intended)"
    # the golden file holds real reports: findings of every class the AWS fixture marks, and refusals
    codes = Counter(code for text in got.values() for code in ("MLR001", "MLR002", "MLR003", "MLR004", "MLR005",
                                                               "MLR006", "MLR007") if code in text)
    assert min(codes.values()) >= 5 and len(codes) == 7
    assert sum(text.startswith("exit 2") for text in got.values()) >= 5


def _benchmark() -> ModuleType:
    path = TESTS.parent / "benchmarks" / "review_large_plan.py"
    spec = importlib.util.spec_from_file_location("review_large_plan", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_review_reports_on_the_20k_change_plan_are_unchanged(tmp_path: Path, update_golden: bool) -> None:
    (tmp_path / "large-plan.json").write_bytes(_benchmark().generate(20_000))
    got: dict[str, dict[str, object]] = {}
    for fmt in ("json", "human", "sarif"):
        text = review("large-plan.json", fmt, [], tmp_path)
        got[fmt] = {"sha256": hashlib.sha256(text.encode()).hexdigest(), "bytes": len(text.encode()),
                    "last_line": text.rstrip("\n").splitlines()[-3]}
        if fmt == "json":
            report = json.loads(text.split("--- stdout\n", 1)[1].split("--- stderr\n", 1)[0])
            got[fmt]["findings_by_code"] = dict(sorted(Counter(f["code"] for f in report["findings"]).items()))
    if update_golden:
        LARGE_GOLDEN.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")
    assert got == json.loads(LARGE_GOLDEN.read_text())


def test_a_review_process_ends_without_freeing_the_plan_and_writes_every_report_whole() -> None:
    """In its own process `mlstrata review` hands the last plan to `keep_until_exit` and ends with os._exit
    once stdout and stderr are flushed (freeing a large plan cost ~0.1 s): every format's report and exit code
    are what the in-process run (the golden file) holds, for one plan and for several."""
    expected = json.loads(GOLDEN.read_text())
    blocking = [p for p in plan_fixtures() if expected[f"{p} json default"].startswith("exit 1")]
    passing = [p for p in plan_fixtures() if expected[f"{p} json default"].startswith("exit 0")]
    refused = [p for p in plan_fixtures() if expected[f"{p} json default"].startswith("exit 2")]
    plans = [blocking[0], passing[0]]
    for fmt in FORMATS:
        for plan in [*plans, refused[0]]:  # a refused plan: the reason on stderr, whole, and exit 2
            got = review(plan, fmt, [], TESTDATA, process=True)
            assert got == expected[f"{plan} {fmt} default"], (plan, fmt)
        both = mlstrata("review", *plans, "--format", fmt, "--no-spec", cwd=TESTDATA, process=True)
        in_process = mlstrata("review", *plans, "--format", fmt, "--no-spec", cwd=TESTDATA)
        assert (both.returncode, both.stdout, both.stderr) == (1, in_process.stdout, in_process.stderr)
        assert len(both.stdout) > 500
