"""Faults: concurrent applies on one unit (state locking), the mlstrata process killed mid-apply,
a failing resource named in a diagnostic without a traceback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from engine_units import RUNNERS, SLOW_TF, check_concurrent_applies, needs_binary, write_unit

import mlstrata
from mlstrata.engine import Engine, EngineSettings, Runner, Status, apply_unit, plan_unit, state_list_unit, up_unit


def _local_state(path: Path) -> Callable[[], dict[str, Any]]:
    def read() -> dict[str, Any]:
        data: dict[str, Any] = json.loads(path.read_text())
        return data

    return read


# A handful of lock and SIGKILL trials per run; benchmarks/lock_and_kill_trials.py runs 20+ of each.
TRIALS = int(os.environ.get("MLSTRATA_TRIALS", "3"))


@needs_binary
@pytest.mark.parametrize("trial", range(TRIALS))
def test_concurrent_applies_local_backend(fast_runner: Runner, settings: EngineSettings, tmp_path: Path,
                                          trial: int) -> None:
    unit = write_unit(tmp_path, "dev", "base", SLOW_TF, state_dir=tmp_path / "state")
    check_concurrent_applies(fast_runner, settings, unit, _local_state(tmp_path / "state" / "dev-base.tfstate"))


_KILLABLE = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from mlstrata.engine import Engine, EngineSettings, EventKind, Unit, apply_unit, plan_unit
    from mlstrata.engine import BinaryTerraform, EmbeddedTerraform

    kind, unit_dir, state_path, cache = sys.argv[1:5]
    runner = EmbeddedTerraform() if kind == "embedded" else BinaryTerraform(kind)
    unit = Unit("dev", "base", Path(unit_dir), backend_config={"path": state_path})

    def on_event(event):
        if event.kind is EventKind.RESOURCE_STARTED and event.action == "create":
            print("APPLYING", flush=True)

    with Engine(runner, EngineSettings(plugin_cache_dir=Path(cache)), on_event=on_event) as engine:
        assert plan_unit(engine, unit).ok
        apply_unit(engine, unit)
    print("FINISHED", flush=True)
    """
)


def _terraform_processes_on(unit_path: Path) -> list[int]:
    """Live processes whose command line names this unit (`-chdir=<unit>`)."""
    needle = f"-chdir={unit_path}".encode()
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if needle in (proc / "cmdline").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


@pytest.mark.parametrize("trial", range(TRIALS))
@pytest.mark.parametrize("kind", ["embedded", pytest.param("binary", marks=needs_binary)])
def test_sigkill_mid_apply_then_next_run_converges(
    kind: str, settings: EngineSettings, plugin_cache: Path, tmp_path: Path, trial: int
) -> None:
    runner = RUNNERS[kind]()
    unit = write_unit(tmp_path, "dev", "base", SLOW_TF, state_dir=tmp_path / "state")
    state_file = tmp_path / "state" / "dev-base.tfstate"
    (unit.path / "terraform.tfvars").write_text('name = "two"\nsleep = 3\n')
    src = str(Path(mlstrata.__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")]))}
    arg = "embedded" if kind == "embedded" else getattr(runner, "path", "")
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILLABLE, arg, str(unit.path), str(state_file), str(plugin_cache)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line == b"APPLYING\n", (line, proc.stderr.read() if proc.stderr else b"")
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(10) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    # The next run waits for the lock the orphaned apply still holds, then finds nothing to do.
    with Engine(runner, settings.__class__(plugin_cache_dir=plugin_cache, lock_timeout="60s")) as engine:
        plan = plan_unit(engine, unit)
        assert plan.status is Status.NO_CHANGES, plan.diagnostics
        assert state_list_unit(engine, unit).addresses == ("terraform_data.slow",)
    state = json.loads(state_file.read_text())
    assert state["resources"][0]["instances"][0]["attributes"]["input"]["value"] == "two"
    assert "status" not in state["resources"][0]["instances"][0], "not tainted"
    assert _terraform_processes_on(unit.path) == [], "no Terraform left running"
    assert not list(state_file.parent.glob("*.lock.info")), "the lock was released"
    assert list((unit.path / ".mlstrata" / "runs").iterdir()) == [], "files of the killed run are cleaned"
    # The killed engine's private folder goes once nothing works in it any more (next engine start).
    Engine(runner, settings).close()
    assert not list(Path(tempfile.gettempdir()).glob(f"mlstrata-engine-{proc.pid}-*"))


FAILING_TF = """
terraform {
  backend "local" {}
}
resource "terraform_data" "fine" {
  input = "ok"
}
resource "terraform_data" "broken" {
  input = "x"
  provisioner "local-exec" {
    command = "echo provider says no >&2; exit 3"
  }
}
"""


def test_resource_error_is_a_diagnostic_with_address(
    runner: Runner, make_engine: Callable[..., Engine], tmp_path: Path
) -> None:
    engine = make_engine(runner)
    unit = write_unit(tmp_path, "dev", "base", FAILING_TF, state_dir=tmp_path / "state")
    result = up_unit(engine, unit)
    assert result.status is Status.FAILED
    errors = [d for d in result.diagnostics if d.is_error]
    assert [d.summary for d in errors] == ["local-exec provisioner error"]
    [diag] = errors
    assert diag.path == "terraform_data.broken"
    assert diag.extra["unit"] == "dev/base" and diag.extra["address"] == "terraform_data.broken"
    assert "exit status 3" in diag.detail
    assert diag.where is not None and diag.where.file == str(unit.path / "main.tf") and diag.where.line == 10
    assert "Traceback" not in diag.detail


def test_config_error_points_at_file_and_line(
    fast_runner: Runner, make_engine: Callable[..., Engine], tmp_path: Path
) -> None:
    engine = make_engine(fast_runner)
    unit = write_unit(tmp_path, "dev", "base", 'resource "terraform_data" "x" {\n  inptu = 1\n}\n')
    result = plan_unit(engine, unit)
    assert result.status is Status.FAILED
    [diag] = result.diagnostics
    assert diag.summary == "Unsupported argument"
    assert diag.where is not None and (diag.where.file, diag.where.line) == (str(unit.path / "main.tf"), 2)
    assert diag.code == "engine.terraform"
    assert apply_unit(engine, unit).diagnostics[0].code == "engine.no_plan"
