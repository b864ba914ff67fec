"""Both runners through the whole lifecycle of one unit: init, plan, apply, no-op plan, outputs,
state listing, refresh-only plan, destroy."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from engine_units import SIMPLE_TF, write_unit

from mlstrata.engine import (
    Engine,
    EngineEvent,
    EventKind,
    Runner,
    Status,
    apply_unit,
    destroy_unit,
    output_unit,
    plan_unit,
    refresh_unit,
    state_list_unit,
    status_unit,
)
from mlstrata.engine.operations import PLAN_FILE, PLAN_JSON, PLAN_META
from mlstrata.plan import Action


def test_lifecycle(runner: Runner, make_engine: Callable[..., Engine], tmp_path: Path) -> None:
    events: list[EngineEvent] = []
    engine = make_engine(runner, on_event=events.append)
    unit = write_unit(tmp_path, "dev", "base", SIMPLE_TF, state_dir=tmp_path / "state")
    state_file = tmp_path / "state" / "dev-base.tfstate"

    plan = plan_unit(engine, unit)
    assert plan.status is Status.CHANGES, plan.diagnostics
    assert plan.counts is not None and (plan.counts.add, plan.counts.change, plan.counts.destroy) == (1, 0, 0)
    work = unit.path / ".mlstrata"
    assert (work / PLAN_FILE).is_file() and (work / PLAN_META).is_file()
    decoded, diags = plan.load_plan()
    assert diags == [] and decoded is not None
    assert [(rc.address, rc.action) for rc in decoded.resource_changes] == [("terraform_data.item", Action.CREATE)]
    assert not state_file.exists(), "plan must not touch the state"

    applied = apply_unit(engine, unit)
    assert applied.status is Status.OK, applied.diagnostics
    assert applied.counts is not None and applied.counts.add == 1
    assert not (work / PLAN_FILE).exists(), "a saved plan is used once"
    assert not (work / PLAN_JSON).exists(), "plan JSON (it may hold sensitive values) goes with the plan"
    state = json.loads(state_file.read_text())
    assert [r["type"] for r in state["resources"]] == ["terraform_data"]

    again = plan_unit(engine, unit)
    assert again.status is Status.NO_CHANGES, again.diagnostics
    assert again.counts is not None and again.counts.total == 0

    outputs = output_unit(engine, unit)
    assert outputs.ok, outputs.diagnostics
    by_name = {o.name: o for o in outputs.outputs}
    assert by_name["name"].value == "one" and not by_name["name"].sensitive
    assert by_name["token"].sensitive and by_name["token"].value is None
    assert output_unit(engine, unit, reveal=True).outputs[1].value == "not-a-real-token"
    assert "not-a-real-token" not in "".join(p.read_text() for p in work.glob("*.log"))

    listed = state_list_unit(engine, unit)
    assert listed.addresses == ("terraform_data.item",)
    status = status_unit(engine, unit)
    assert (status.saved_plan, status.status, status.addresses) == (
        "current",
        Status.NO_CHANGES,
        ("terraform_data.item",),
    )
    (unit.path / "terraform.tfvars").write_text('name = "one"\n')
    stale = status_unit(engine, unit)
    assert stale.saved_plan == "stale" and stale.diagnostics[0].code == "engine.plan_stale"
    (unit.path / "terraform.tfvars").unlink()

    drift = refresh_unit(engine, unit)
    assert drift.status is Status.NO_CHANGES, drift.diagnostics
    assert drift.plan_json is not None and drift.plan_json.is_file()
    quick = refresh_unit(engine, unit, json_when_clean=False)  # what `mlstrata drift` asks for
    assert quick.status is Status.NO_CHANGES and quick.plan_json is None
    assert not drift.plan_json.exists(), "a stale refresh JSON must not outlive the run that replaced it"

    destroyed = destroy_unit(engine, unit)
    assert destroyed.status is Status.OK, destroyed.diagnostics
    assert destroyed.counts is not None and destroyed.counts.destroy == 1
    assert json.loads(state_file.read_text())["resources"] == []
    assert state_list_unit(engine, unit).addresses == ()
    assert status_unit(engine, unit).saved_plan == "none"

    kinds = [e.kind for e in events if e.unit == "dev/base"]
    for kind in (
        EventKind.UNIT_STARTED,
        EventKind.RESOURCE_PLANNED,
        EventKind.RESOURCE_STARTED,
        EventKind.RESOURCE_DONE,
        EventKind.SUMMARY,
        EventKind.UNIT_FINISHED,
    ):
        assert kind in kinds, kind
    done = [e for e in events if e.kind is EventKind.RESOURCE_DONE and e.operation == "apply"]
    assert done[0].address == "terraform_data.item" and (done[0].done, done[0].total) == (1, 1)
    assert all(e.terraform_version for e in (plan, applied)), "version comes from the -json stream"


def test_update_in_place_and_variables_from_tfvars(
    runner: Runner, make_engine: Callable[..., Engine], tmp_path: Path
) -> None:
    engine = make_engine(runner)
    unit = write_unit(tmp_path, "dev", "base", SIMPLE_TF, state_dir=tmp_path / "state")
    assert plan_unit(engine, unit).status is Status.CHANGES
    assert apply_unit(engine, unit).ok
    (unit.path / "terraform.tfvars").write_text('name = "two"\n')
    plan = plan_unit(engine, unit)
    assert plan.status is Status.CHANGES
    decoded, _ = plan.load_plan()
    assert decoded is not None
    assert decoded.by_address()["terraform_data.item"].action is Action.UPDATE
    assert apply_unit(engine, unit).ok
    assert output_unit(engine, unit).outputs[0].value == "two"
