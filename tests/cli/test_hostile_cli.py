"""Issue 10 through the real CLI: each reproduction is a diagnostic and exit 2 (or a success), never a
traceback, a hang or a half-written tree."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from support.cli import CliResult
from support.cli import mlstrata as run_cli

REPO = Path(__file__).resolve().parents[2]
# every case runs the real CLI as a process (nothing may hang or leak a traceback): ~1 s CPU of start-up each
pytestmark = pytest.mark.slow

QUICKSTART = REPO / "examples" / "quickstart" / "platform.yaml"
AWS_PLAN = REPO / "tests" / "testdata" / "pricing" / "plan_aws.json"
MISSING_DIR = Path("/nonexistent-mlstrata-dir")
# "billion laughs": 9 levels of 9 aliases
BOMB = 'l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]\n" for i in range(1, 9))


def mlstrata(*args: str, cwd: Path | None = None) -> CliResult:
    return run_cli(*args, cwd=cwd, process=True, timeout=600)  # a real process: nothing may hang


def _usage_error(proc: CliResult) -> str:
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2, out
    assert "Traceback" not in out
    return proc.stderr


def test_alias_bomb_through_validate(tmp_path: Path) -> None:
    spec = tmp_path / "platform.yaml"
    spec.write_text(BOMB)
    started = time.monotonic()
    err = _usage_error(mlstrata("validate", "--spec", str(spec)))
    assert time.monotonic() - started < 60  # the whole process, imports included; the parse itself is ~10 ms
    assert f"{spec}:5:" in err and "expands to more than 50,000 values" in err


def test_alias_bomb_beside_the_scanned_code_is_one_warning_and_check_and_review_still_run(tmp_path: Path) -> None:
    """`check` and `review` load a platform.yaml found beside what they scan: a bomb there is ignored with one
    warning naming the reason (not errors that exit 0 would contradict), and the scan itself runs."""
    (tmp_path / "platform.yaml").write_text(BOMB)
    (tmp_path / "main.tf").write_text((REPO / "tests/testdata/rules/MLS012/fail/main.tf").read_text())
    (tmp_path / "plan.json").write_text(AWS_PLAN.read_text())
    check = mlstrata("check", str(tmp_path))
    assert check.returncode == 1 and "MLS012" in check.stdout and "Traceback" not in check.stderr, check.stderr
    assert "error" not in check.stderr.replace("error: YAML", ""), check.stderr  # the spec's error is the detail
    assert f"warning: ignoring {tmp_path / 'platform.yaml'}: it is not a valid spec" in check.stderr
    assert "expands to more than 50,000 values" in check.stderr and "--no-spec" in check.stderr
    review = mlstrata("review", str(tmp_path / "plan.json"))
    assert review.returncode in (0, 1) and "Traceback" not in review.stderr, review.stderr
    [warned] = [line for line in review.stderr.splitlines() if "ignoring" in line]
    assert warned.startswith("warning: ignoring") and "expands to more than 50,000 values" in warned


def test_up_with_an_unknown_env_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "platform.yaml").write_text(QUICKSTART.read_text())
    err = _usage_error(mlstrata("up", "--env", "nope", cwd=tmp_path))
    assert "unknown environment `nope`" in err and "dev, staging, prod" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["platform.yaml"]


@pytest.mark.parametrize("args", [
    ["schema", "-o", str(MISSING_DIR / "s.json")],
    ["init", "--spec", "/proc/version/platform.yaml"],
    ["render", "--spec", str(QUICKSTART), "--out", "/proc/version/infra"],
    ["review", str(AWS_PLAN), "--no-spec", "--format", "json", "-o", str(MISSING_DIR / "r.json")],
    ["check", str(REPO / "tests" / "testdata" / "rules" / "MLS012" / "fail"), "--no-spec",
     "-o", str(MISSING_DIR / "c.txt")],
    ["cost", "--spec", str(QUICKSTART), "--chart", "/proc/version/c.svg"],  # it creates missing folders
    ["parity", "--spec", str(QUICKSTART), "--html", str(MISSING_DIR / "p.html")],
], ids=["schema", "init", "render", "review", "check", "cost", "parity"])
def test_unwritable_output_paths_are_diagnostics(args: list[str], tmp_path: Path) -> None:
    started = time.monotonic()
    err = _usage_error(mlstrata(*args, cwd=tmp_path))
    assert "cannot write" in err and "hint:" in err
    if args[0] == "parity":  # checked before any refresh: no Terraform ran
        assert time.monotonic() - started < 60
        assert not (tmp_path / "infra").exists()


@pytest.mark.parametrize("plan", [
    '{"format_version": "1.2", "resource_changes": [{"address": 5, "mode": "managed", "change": {"actions": []}}]}',
    '{"format_version": "1.2", "resource_changes": [{"address": ["a"], "mode": "managed", '
    '"change": {"actions": ["create"]}}]}',
    '{"format_version": "1.2", "resource_changes": [{"address": "a.b", "type": ["x"], "mode": "managed", '
    '"change": {"actions": ["create"]}}]}',
    '{"format_version": "1.2", "resource_changes": [{"address": "a.b", "mode": "managed", '
    '"change": {"actions": ["update"], "replace_paths": [1]}}]}',
], ids=["address_int", "address_list", "type_list", "replace_paths"])
def test_plans_with_wrong_types_are_one_line_in_review_and_cost(plan: str, tmp_path: Path) -> None:
    bad = tmp_path / "plan.json"
    bad.write_text(plan)
    for args in (["review", str(bad), "--no-spec"], ["cost", "--spec", str(QUICKSTART), "--plan", str(bad)]):
        err = _usage_error(mlstrata(*args))
        assert len(err.strip().splitlines()) == 1, err
        assert err.startswith(f"error: {bad}: not a Terraform plan: resource_changes[0]"), err


def test_pricing_import_of_a_row_longer_than_its_header(tmp_path: Path) -> None:
    (tmp_path / "platform.yaml").write_text(QUICKSTART.read_text())
    prices = tmp_path / "prices.csv"
    prices.write_text("region,instance_type,on_demand_usd_per_hour,source,date\n"
                      "us-east-1,g6.xlarge,1.0,EDP,2026-01-01,extra\n")
    err = _usage_error(mlstrata("pricing", "import", str(prices), cwd=tmp_path))
    assert f"{prices}:2: error: 1 more field(s) than the header has columns" in err
