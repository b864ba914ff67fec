"""A saved plan is applied only while it is current: Terraform refuses one whose state moved on,
the engine refuses one whose configuration, plan file or Terraform changed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from engine_units import SIMPLE_TF, binary_runner, needs_binary, write_unit

from mlstrata.engine import EmbeddedTerraform, Engine, Runner, Status, apply_unit, plan_unit, status_all
from mlstrata.engine.operations import PLAN_FILE, PLAN_META
from mlstrata.engine.tfdiags import CODE_STALE


def _serial(state_file: Path) -> int:
    return int(json.loads(state_file.read_text())["serial"])


def test_plan_made_stale_by_another_apply_is_refused_by_terraform(
    fast_runner: Runner, make_engine: Callable[..., Engine], tmp_path: Path
) -> None:
    engine = make_engine(fast_runner)
    unit = write_unit(tmp_path, "dev", "base", SIMPLE_TF, state_dir=tmp_path / "state")
    state_file = tmp_path / "state" / "dev-base.tfstate"
    assert plan_unit(engine, unit).status is Status.CHANGES
    assert apply_unit(engine, unit).ok
    (unit.path / "terraform.tfvars").write_text('name = "two"\n')
    assert plan_unit(engine, unit).status is Status.CHANGES

    # Someone else changes the state (same configuration) after our plan was saved.
    other = engine.run(unit, "other-apply", ["apply", "-auto-approve", "-input=false", "-var", "name=three"])
    assert other.returncode == 0, other.stderr
    serial = _serial(state_file)

    result = apply_unit(engine, unit)
    assert result.status is Status.FAILED
    [diag] = [d for d in result.diagnostics if d.is_error]
    assert diag.code == CODE_STALE
    assert diag.summary == "plan for dev/base is stale, run plan again"
    assert "state was changed" in diag.detail
    assert diag.extra["unit"] == "dev/base"
    assert _serial(state_file) == serial, "a refused apply leaves the state alone"
    assert not (unit.path / ".mlstrata" / PLAN_FILE).exists(), "a stale plan is discarded"

    assert plan_unit(engine, unit).status is Status.CHANGES
    assert apply_unit(engine, unit).ok


def test_config_changed_after_plan_is_refused_before_running_terraform(
    fast_runner: Runner, make_engine: Callable[..., Engine], tmp_path: Path
) -> None:
    engine = make_engine(fast_runner)
    unit = write_unit(tmp_path, "dev", "base", SIMPLE_TF, state_dir=tmp_path / "state")
    assert plan_unit(engine, unit).status is Status.CHANGES
    (unit.path / "extra.tf").write_text('output "more" {\n  value = 1\n}\n')
    result = apply_unit(engine, unit)
    assert result.status is Status.FAILED
    assert [d.code for d in result.diagnostics] == [CODE_STALE]
    assert "configuration of dev/base changed" in result.diagnostics[0].detail
    assert not (tmp_path / "state" / "dev-base.tfstate").exists(), "Terraform never ran"
    assert not (unit.path / ".mlstrata" / "apply.log").exists()


def test_apply_without_a_plan_and_with_a_tampered_plan(
    fast_runner: Runner, make_engine: Callable[..., Engine], tmp_path: Path
) -> None:
    engine = make_engine(fast_runner)
    unit = write_unit(tmp_path, "dev", "base", SIMPLE_TF, state_dir=tmp_path / "state")
    missing = apply_unit(engine, unit)
    assert missing.status is Status.FAILED
    assert [d.code for d in missing.diagnostics] == ["engine.no_plan"]
    assert missing.diagnostics[0].hint.startswith("run plan first")

    assert plan_unit(engine, unit).status is Status.CHANGES
    plan_file = unit.path / ".mlstrata" / PLAN_FILE
    plan_file.write_bytes(plan_file.read_bytes() + b"\0")
    tampered = apply_unit(engine, unit)
    assert [d.code for d in tampered.diagnostics] == [CODE_STALE]
    assert not (unit.path / ".mlstrata" / PLAN_META).exists()


@needs_binary
def test_plan_made_by_another_terraform_is_stale(make_engine: Callable[..., Engine], tmp_path: Path) -> None:
    unit = write_unit(tmp_path, "dev", "base", SIMPLE_TF, state_dir=tmp_path / "state")
    assert plan_unit(make_engine(binary_runner()), unit).status is Status.CHANGES
    result = apply_unit(make_engine(EmbeddedTerraform()), unit)
    assert [d.code for d in result.diagnostics] == [CODE_STALE]
    assert "the plan was made with terraform" in result.diagnostics[0].detail


def test_status_says_stale_once_the_state_moved_on_as_apply_does(
    fast_runner: Runner, make_engine: Callable[..., Engine], tmp_path: Path
) -> None:
    """Issue 18: after an interrupted (or another) apply, `status` said `saved_plan: current` while `apply`
    refused the plan as stale. The state's lineage and serial recorded in the plan file decide, as in Terraform."""
    engine = make_engine(fast_runner)
    unit = write_unit(tmp_path, "dev", "base", SIMPLE_TF, state_dir=tmp_path / "state")
    assert plan_unit(engine, unit).status is Status.CHANGES
    [fresh] = status_all(engine, [unit]).results
    assert fresh.saved_plan == "current" and fresh.counts is not None and fresh.counts.add == 1
    other = engine.run(unit, "other-apply", ["apply", "-auto-approve", "-input=false"])
    assert other.returncode == 0, other.stderr
    [moved] = status_all(engine, [unit]).results
    assert moved.saved_plan == "stale"
    [note] = [d for d in moved.diagnostics if d.code == CODE_STALE]
    assert "state of dev/base changed after the plan was made" in note.detail
    refused = apply_unit(engine, unit)
    assert [d.code for d in refused.diagnostics if d.is_error] == [CODE_STALE]


def test_a_saved_plan_is_applied_only_with_the_json_its_review_read(
    fast_runner: Runner, make_engine: Callable[..., Engine], tmp_path: Path
) -> None:
    """The plan file and its JSON travel together (a CI artifact restored on the apply job's machine) and the review
    gate reads the JSON: an edited JSON, a missing one, or a meta saying "no changes" (the gate then skips the
    review) is refused before Terraform applies anything, and the saved plan is discarded."""
    from mlstrata.engine.operations import CODE_PLAN_JSON_MISMATCH, PLAN_JSON

    engine = make_engine(fast_runner)
    unit = write_unit(tmp_path, "dev", "base", SIMPLE_TF, state_dir=tmp_path / "state")
    work = unit.path / ".mlstrata"

    def edit_json(path: Path) -> None:
        plan = json.loads(path.read_text())
        [change] = plan["resource_changes"]
        change["change"]["after"]["input"] = "something harmless"
        path.write_text(json.dumps(plan))

    def drop(path: Path) -> None:
        path.unlink()

    def says_nothing(path: Path) -> None:
        meta = json.loads(path.read_text())
        meta["has_changes"] = False
        path.write_text(json.dumps(meta))

    for name, change, expected in ((PLAN_JSON, edit_json, "does not describe the saved plan file"),
                                   (PLAN_JSON, drop, "has no plan.json"),
                                   (PLAN_META, says_nothing, "says it changes nothing")):
        assert plan_unit(engine, unit).status is Status.CHANGES
        change(work / name)
        refused = apply_unit(engine, unit)
        assert refused.status is Status.FAILED
        [diag] = refused.diagnostics
        assert diag.code == CODE_PLAN_JSON_MISMATCH and expected in diag.summary, diag.summary
        assert "nothing was applied" in diag.hint
        assert not (tmp_path / "state" / "dev-base.tfstate").exists(), "Terraform applied nothing"
        assert not (work / PLAN_FILE).exists(), "the saved plan is discarded"
    assert plan_unit(engine, unit).status is Status.CHANGES
    assert apply_unit(engine, unit).ok  # the plan and the JSON it was shown as: applied
