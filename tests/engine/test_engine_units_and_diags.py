"""Unit discovery and ordering, config fingerprints (local modules included), and Terraform's
plain-text errors turned into diagnostics."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from engine_units import SIMPLE_TF, write_unit

from mlstrata.engine import (
    BinaryTerraform,
    Engine,
    Runner,
    Status,
    Unit,
    apply_unit,
    discover_units,
    plan_unit,
    up_unit,
)
from mlstrata.engine.tfdiags import CODE_FAILED, CODE_LOCKED, CODE_STALE, from_text
from mlstrata.engine.unit import config_fingerprint


def test_discover_units(tmp_path: Path) -> None:
    for env in ("prod", "dev"):
        for layer in ("platform", "base", "extras"):
            write_unit(tmp_path, env, layer, "")
    (tmp_path / "live" / "dev" / "notes").mkdir()  # no Terraform files: not a unit
    units = discover_units(tmp_path)
    assert [u.id for u in units] == [
        "dev/base",
        "dev/platform",
        "dev/extras",
        "prod/base",
        "prod/platform",
        "prod/extras",
    ]
    deps = {u.id: u.depends_on for u in units}
    assert deps["dev/base"] == ()
    assert deps["dev/platform"] == ("dev/base",)
    assert deps["prod/extras"] == ("prod/base", "prod/platform")
    assert [u.id for u in discover_units(tmp_path, envs=["prod"], layers=["platform"])] == ["prod/platform"]
    assert discover_units(tmp_path / "nowhere") == []
    assert units[0].work_dir == tmp_path / "live" / "dev" / "base" / ".mlstrata"


def test_fingerprint_covers_config_not_runtime_files(tmp_path: Path) -> None:
    unit = write_unit(tmp_path, "dev", "base", SIMPLE_TF)
    first = config_fingerprint(unit.path)
    (unit.path / ".mlstrata").mkdir()
    (unit.path / ".mlstrata" / "plan.log").write_text("x")
    (unit.path / "terraform.tfstate").write_text("{}")
    (unit.path / "notes.md").write_text("hello")
    assert config_fingerprint(unit.path) == first
    (unit.path / "dev.auto.tfvars").write_text('name = "x"\n')
    second = config_fingerprint(unit.path)
    assert second != first
    (unit.path / "main.tf").write_text(SIMPLE_TF + "\n# comment\n")
    assert config_fingerprint(unit.path) not in (first, second)


MODULE_CALLER = """
terraform {
  backend "local" {}
}
module "thing" {
  source = "../../../modules/thing"
}
"""


def test_editing_a_local_module_makes_the_saved_plan_stale(
    fast_runner: Runner, make_engine: Callable[..., Engine], tmp_path: Path
) -> None:
    module = tmp_path / "modules" / "thing"
    module.mkdir(parents=True)
    (module / "main.tf").write_text('resource "terraform_data" "x" {\n  input = "a"\n}\n')
    unit = write_unit(tmp_path, "dev", "base", MODULE_CALLER, state_dir=tmp_path / "state")
    engine = make_engine(fast_runner)
    assert plan_unit(engine, unit).status is Status.CHANGES
    (module / "main.tf").write_text('resource "terraform_data" "x" {\n  input = "b"\n}\n')
    result = apply_unit(engine, unit)
    assert [d.code for d in result.diagnostics] == [CODE_STALE]


def test_plain_text_errors_become_diagnostics(
    fast_runner: Runner, make_engine: Callable[..., Engine], tmp_path: Path
) -> None:
    engine = make_engine(fast_runner)
    unit = write_unit(tmp_path, "dev", "base", SIMPLE_TF, state_dir=tmp_path / "state")
    assert up_unit(engine, unit).ok
    outcome = engine.run(unit, "output-missing", ["output", "-no-color", "nosuch"])
    assert outcome.returncode == 1
    [diag] = from_text(outcome.stderr, unit, "output")
    assert diag.summary == 'Output "nosuch" not found'
    assert "could not be found in the state" in diag.detail
    assert diag.path == "dev/base" and diag.extra["operation"] == "output"


def test_from_text_handles_boxes_colours_and_warnings(tmp_path: Path) -> None:
    unit = Unit("dev", "base", tmp_path)
    text = (
        "\x1b[31m╷\x1b[0m\n\x1b[31m│\x1b[0m \x1b[1m\x1b[31mError: \x1b[0m\x1b[1mBad thing\x1b[0m\n"
        "│ \n│ It went wrong.\n╵\n╷\n│ Warning: Careful\n│ \n│ Be careful.\n╵\n"
    )
    diags = from_text(text, unit, "plan")
    assert [(d.severity.value, d.summary, d.detail) for d in diags] == [
        ("error", "Bad thing", "It went wrong."),
        ("warning", "Careful", "Be careful."),
    ]
    assert from_text("nothing useful", unit, "plan") == []


def test_a_failure_without_any_diagnostic_still_reports(make_engine: Callable[..., Engine], tmp_path: Path) -> None:
    silent = tmp_path / "silent-terraform"
    silent.write_text("#!/bin/sh\necho 'panic: something odd' >&2\nexit 11\n")
    silent.chmod(0o755)
    unit = write_unit(tmp_path, "dev", "base", SIMPLE_TF)
    result = plan_unit(make_engine(BinaryTerraform(silent)), unit)
    assert result.status is Status.FAILED
    [diag] = result.diagnostics
    assert diag.code == CODE_FAILED
    assert diag.summary == "terraform init failed on dev/base (exit status 11)"
    assert diag.detail == "panic: something odd"
    assert str(unit.work_dir) in diag.hint


def test_missing_unit_folder(fast_runner: Runner, make_engine: Callable[..., Engine], tmp_path: Path) -> None:
    unit = Unit("dev", "base", tmp_path / "live" / "dev" / "base")
    result = plan_unit(make_engine(fast_runner), unit)
    assert result.status is Status.FAILED
    assert [(d.code, d.hint) for d in result.diagnostics] == [("engine.unit_missing", "render the repository first")]
    assert not unit.path.exists()


def test_a_runner_that_cannot_start(make_engine: Callable[..., Engine], tmp_path: Path) -> None:
    gone = tmp_path / "terraform-that-was-removed"
    unit = write_unit(tmp_path, "dev", "base", SIMPLE_TF)
    result = plan_unit(make_engine(BinaryTerraform(gone)), unit)
    [diag] = result.diagnostics
    assert diag.summary == "terraform init failed on dev/base (exit status 127)"
    assert diag.detail.startswith(f"cannot start {gone}:")


def test_files_left_by_a_dead_run_are_removed(
    fast_runner: Runner, make_engine: Callable[..., Engine], tmp_path: Path
) -> None:
    unit = write_unit(tmp_path, "dev", "base", SIMPLE_TF, state_dir=tmp_path / "state")
    runs = unit.path / ".mlstrata" / "runs"
    runs.mkdir(parents=True)
    dead = 9_999_999  # above Linux's largest pid: never a live process
    left = [unit.path / ".mlstrata" / f"tfplan.{dead}-5.tmp", runs / f"apply.{dead}-1.log"]
    mine = unit.path / ".mlstrata" / f"plan.json.{os.getpid()}-7.tmp"
    for path in [*left, mine]:
        path.write_text("x")
    assert plan_unit(make_engine(fast_runner), unit).ok
    assert [p.exists() for p in left] == [False, False]
    assert mine.exists(), "a live process's files are left alone"


@pytest.mark.parametrize(("backend", "force_unlock"), [("local", False), ("pg", False), ("s3", True)])
def test_lock_hint_fits_the_backend(tmp_path: Path, backend: str, force_unlock: bool) -> None:
    """`terraform force-unlock` only helps where the lock outlives its process (issue 10: it was suggested
    for local state, whose lock dies with the process, as does a pg advisory lock)."""
    unit = write_unit(tmp_path, "dev", "base", f'terraform {{\n  backend "{backend}" {{}}\n}}\n')
    text = ("Error: Error acquiring the state lock\n\nError message: Workspace is already locked: default\n"
            "Lock Info:\n  ID:        1b2c3d4e-0000-1111-2222-333344445555\n")
    [diag] = from_text(text, unit, "apply")
    assert diag.code == CODE_LOCKED and diag.summary == "state of dev/base is locked by another run"
    assert ("force-unlock 1b2c3d4e-0000-1111-2222-333344445555" in diag.hint) is force_unlock
