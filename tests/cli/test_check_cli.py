"""`mlstrata check` and `mlstrata rules` as commands: formats, exit codes 0 clean, 1 findings, 2 bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.cli import mlstrata

from mlstrata.rules.registry import RULES

TESTDATA = Path(__file__).resolve().parents[1] / "testdata" / "rules"
FAIL = TESTDATA / "MLS012" / "fail"
PASS = TESTDATA / "MLS012" / "pass"


def cli(*args: str) -> tuple[int, str]:
    result = mlstrata(*args)
    return result.returncode, result.output


def test_findings_exit_1_and_print_file_line_rule_and_fix() -> None:
    code, out = cli("check", str(FAIL), "--select", "MLS012")
    assert code == 1
    where = (
        f"{FAIL.relative_to(Path.cwd())}/main.tf" if FAIL.is_relative_to(Path.cwd()) else f"{FAIL}/main.tf"
    )
    assert f"{where}:1:1: error MLS012 aws_s3_bucket.models: no aws_s3_bucket_public_access_block" in out
    assert "fix: Add aws_s3_bucket_public_access_block" in out


def test_clean_tree_exits_0() -> None:
    code, out = cli("check", str(PASS), "--select", "MLS012")
    assert code == 0 and "0 errors" in out


@pytest.mark.parametrize(("fail_on", "expected"), [("error", 0), ("warning", 1), ("never", 0)])
def test_fail_on_threshold(fail_on: str, expected: int) -> None:
    # MLS024 (warning) only: undocumented variables
    code, _ = cli("check", str(TESTDATA / "MLS024" / "fail"), "--select", "MLS024", "--fail-on", fail_on)
    assert code == expected


@pytest.mark.parametrize(
    "args",
    [
        ["check", "/nonexistent/path"],
        ["check", str(FAIL), "--format", "yaml"],
        ["check", str(FAIL), "--fail-on", "sometimes"],
        ["check", str(FAIL), "--select", "MLS999"],
        ["check", str(FAIL), "--spec", "/nonexistent/platform.yaml"],
        ["check", str(TESTDATA / "sarif")],
        ["rules", "MLS999"],
    ],
)
def test_bad_input_exits_2(args: list[str]) -> None:
    code, out = cli(*args)
    assert code == 2, out
    assert "Traceback" not in out and "error" in out


def test_invalid_explicit_spec_exits_2(tmp_path: Path) -> None:
    spec = tmp_path / "platform.yaml"
    spec.write_text("platform: x\n")
    code, out = cli("check", str(FAIL), "--spec", str(spec))
    assert code == 2 and str(spec) in out


@pytest.mark.parametrize("fmt", ["json", "sarif", "markdown", "junit"])
def test_machine_formats_write_to_a_file(fmt: str, tmp_path: Path) -> None:
    out = tmp_path / f"report.{fmt}"
    code, _ = cli("check", str(FAIL), "--format", fmt, "--output", str(out))
    assert code == 1 and out.read_text().strip()
    if fmt in ("json", "sarif"):
        json.loads(out.read_text())


def test_json_report_counts(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    cli("check", str(FAIL), "--select", "MLS012", "--format", "json", "-o", str(out))
    data = json.loads(out.read_text())
    assert data["summary"]["error"] == 3 and {f["code"] for f in data["findings"]} == {"MLS012"}


def test_skip_drops_a_rule() -> None:
    code, out = cli("check", str(FAIL), "--skip", "MLS010,MLS011,MLS012,MLS013,MLS014,MLS024")
    assert code == 0, out


def test_rules_lists_every_rule_and_explains_one() -> None:
    code, out = cli("rules")
    assert code == 0 and "MLS001" in out and "MLS026" in out and "gpu-taint" in out
    code, out = cli("rules", "MLS012")
    assert code == 0 and "bucket-public-access" in out and "# mlstrata:ignore MLS012" in out
    code, out = cli("rules", "gpu-taint")
    assert code == 0 and out.startswith("MLS004")
    code, out = cli("rules", "--format", "json")
    listed = [r["id"] for r in json.loads(out)]
    assert code == 0 and listed == sorted(RULES), "every registered rule, once, in id order"
