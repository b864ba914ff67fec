"""The quickstart on a fresh folder, without the platform test_quickstart.py brings up: what a newcomer sees
before anything is applied (render then plan, nightly drift, output) and when the first `up` fails in the
provider. A file of its own so that pytest-xdist (one file per worker) can run it beside the long one."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from support.cli import mlstrata as run_cli

REPO = Path(__file__).resolve().parents[2]


def test_provider_error_names_the_resource_and_exits_1_without_traceback(tmp_path: Path) -> None:
    """A pool needing more GPUs than the host has: the provider's diagnostic reaches the user."""
    spec = (REPO / "examples" / "quickstart" / "platform.yaml").read_text()
    (tmp_path / "platform.yaml").write_text(spec.replace("scaling: { min: 0, max: 2, desired: 0 }",
                                                         "scaling: { min: 1, max: 2, desired: 1 }"))
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg"), "NO_COLOR": "1", "COLUMNS": "200",
           "MLSTRATA_NVIDIA_SMI": str(REPO / "tests" / "testdata" / "provider" / "nvidia-smi-no-devices")}
    proc = run_cli("up", "--env", "dev", cwd=tmp_path, env=env, process=True)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "module.gpu_pool_training.mlstrata_gpu_pool.this" in proc.stderr
    assert "dev/base" in proc.stderr and "0 GPU" in proc.stderr


def test_render_then_plan_on_a_fresh_spec_plans_base_and_defers_platform(tmp_path: Path) -> None:
    """Issue 18: `render` then `plan` on a fresh spec failed every platform unit with "Unable to find remote
    state". Platform is now planned after base is applied, in up/apply order, and nothing failed."""
    shutil.copy(REPO / "examples" / "quickstart" / "platform.yaml", tmp_path / "platform.yaml")
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg"), "NO_COLOR": "1", "COLUMNS": "200"}
    assert run_cli("render", cwd=tmp_path, env=env, process=True).returncode == 0
    plan = run_cli("plan", "--env", "dev", "--format", "json", cwd=tmp_path, env=env, process=True)
    assert plan.returncode == 0, plan.stdout + plan.stderr
    units = {u["unit"]: u for u in json.loads(plan.stdout)["units"]}
    assert {k: u["status"] for k, u in units.items()} == {"dev/base": "changes", "dev/platform": "deferred"}
    [note] = units["dev/platform"]["diagnostics"]
    assert note["severity"] == "info" and note["summary"] == "planned after dev/base is applied"
    assert "remote state" not in plan.stdout
    human = run_cli("plan", "--env", "dev", "--detailed-exitcode", cwd=tmp_path, env=env, process=True)
    assert human.returncode == 2, "deferred work counts as changes for CI"
    assert "planned after dev/base is applied" in human.stderr and "error" not in human.stderr.lower()
    status = run_cli("status", "--env", "dev", "--format", "json", cwd=tmp_path, env=env, process=True)
    assert [u["saved_plan"] for u in json.loads(status.stdout)["units"]] == ["current", "deferred"]
    # nightly drift of an environment not applied yet: nothing to compare, not a failed check (it exited 1)
    drift = run_cli("drift", "--env", "dev", "--layer", "platform", cwd=tmp_path, env=env, process=True)
    assert drift.returncode == 0 and "not applied yet" in drift.stderr, drift.stdout + drift.stderr
    output = run_cli("output", "--env", "dev", "--layer", "base", cwd=tmp_path, env=env, process=True)
    assert output.returncode == 0 and output.stdout == "", output.stdout + output.stderr
    assert "no outputs: not applied yet" in output.stderr, output.stderr
