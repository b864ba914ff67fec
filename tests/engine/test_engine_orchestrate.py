"""Orchestration: base before platform in each environment (reversed for destroy), environments in
parallel up to the bound, a failed unit's dependents skipped while other environments carry on."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from engine_units import SIMPLE_TF, SLOW_TF, write_unit

from mlstrata.engine import (
    Engine,
    EngineEvent,
    EngineSettings,
    EventKind,
    Operation,
    Runner,
    Status,
    Unit,
    UnitResult,
    apply_all,
    destroy_all,
    discover_units,
    output_all,
    plan_all,
    run_units,
    status_all,
    up_all,
)
from mlstrata.engine.operations import CODE_DEFERRED, CODE_REPLANNED, up_unit
from mlstrata.engine.orchestrate import CODE_SKIPPED
from mlstrata.engine.tfdiags import CODE_INTERRUPTED

BASE_TF = """
terraform {
  backend "local" {}
}
variable "env" {
  type = string
}
variable "fail" {
  type    = bool
  default = false
}
resource "terraform_data" "network" {
  input = "net-${var.env}"
  provisioner "local-exec" {
    command = var.fail ? "echo cannot create network >&2; exit 1" : "sleep 1"
  }
}
output "network" {
  value = terraform_data.network.output
}
"""

# Reads the base layer's outputs: planning it before base is applied fails.
PLATFORM_TF = """
terraform {
  backend "local" {}
}
data "terraform_remote_state" "base" {
  backend = "local"
  config = {
    path = "%(state)s"
  }
}
resource "terraform_data" "service" {
  input = "svc-on-${data.terraform_remote_state.base.outputs.network}"
}
output "service" {
  value = terraform_data.service.output
}
"""


def _repo(root: Path, envs: dict[str, bool]) -> tuple[list[Unit], Path]:
    state = root / "state"
    for env, fail in envs.items():
        base = write_unit(root, env, "base", BASE_TF)
        (base.path / "terraform.tfvars").write_text(f'env = "{env}"\nfail = {str(fail).lower()}\n')
        write_unit(root, env, "platform", PLATFORM_TF % {"state": state / f"{env}-base.tfstate"})
    state.mkdir()
    units = [
        replace(u, backend_config={"path": str(state / f"{u.env}-{u.layer}.tfstate")}) for u in discover_units(root)
    ]
    return units, state


def _index(events: list[EngineEvent], kind: EventKind, unit: str, operation: str) -> int:
    return next(i for i, e in enumerate(events) if (e.kind, e.unit, e.operation) == (kind, unit, operation))


def test_up_all_order_parallelism_and_failure_isolation(
    fast_runner: Runner, settings: EngineSettings, tmp_path: Path
) -> None:
    units, _ = _repo(tmp_path, {"dev": False, "prod": False, "staging": True})
    assert [u.id for u in units] == [
        "dev/base",
        "dev/platform",
        "prod/base",
        "prod/platform",
        "staging/base",
        "staging/platform",
    ]
    assert units[1].depends_on == ("dev/base",)
    events: list[EngineEvent] = []
    active = 0
    most = 0
    lock = threading.Lock()

    def counted_up(engine: Engine, unit: Unit) -> UnitResult:
        nonlocal active, most
        with lock:
            active += 1
            most = max(most, active)
        try:
            return up_unit(engine, unit)
        finally:
            with lock:
                active -= 1

    with Engine(fast_runner, replace(settings, parallelism=2), on_event=events.append) as engine:
        report = run_units(engine, units, counted_up, Operation.UP)
        outputs = output_all(engine, [u for u in units if u.layer == "platform"])

    by_id = {r.unit.id: r for r in report.results}
    assert [r.unit.id for r in report.results] == [u.id for u in units]
    assert {k: r.status for k, r in by_id.items()} == {
        "dev/base": Status.OK,
        "dev/platform": Status.OK,
        "prod/base": Status.OK,
        "prod/platform": Status.OK,
        "staging/base": Status.FAILED,
        "staging/platform": Status.SKIPPED,
    }
    assert not report.ok
    [skip] = by_id["staging/platform"].diagnostics
    assert skip.code == CODE_SKIPPED and "staging/base did not succeed" in skip.summary
    failed = [d for d in by_id["staging/base"].diagnostics if d.is_error]
    assert failed[0].path == "terraform_data.network" and "cannot create network" in failed[0].detail
    assert most == 2, "two environments ran at once, never more"
    for env in ("dev", "prod"):
        assert _index(events, EventKind.UNIT_FINISHED, f"{env}/base", "apply") < _index(
            events, EventKind.UNIT_STARTED, f"{env}/platform", "plan"
        )
    assert not any(
        e.unit == "staging/platform" and e.kind is EventKind.UNIT_STARTED and e.operation != "output" for e in events
    )
    services = {r.unit.env: [o.value for o in r.outputs] for r in outputs.results}
    assert services == {"dev": ["svc-on-net-dev"], "prod": ["svc-on-net-prod"], "staging": []}


def test_destroy_all_takes_dependents_first_and_plan_all_sees_no_changes(
    fast_runner: Runner, settings: EngineSettings, tmp_path: Path
) -> None:
    units, state = _repo(tmp_path, {"dev": False})
    events: list[EngineEvent] = []
    with Engine(fast_runner, settings, on_event=events.append) as engine:
        assert up_all(engine, units).ok
        again = plan_all(engine, units)
        assert [r.status for r in again.results] == [Status.NO_CHANGES, Status.NO_CHANGES]
        destroyed = destroy_all(engine, units)
    assert [r.unit.id for r in destroyed.results] == ["dev/platform", "dev/base"]
    assert destroyed.ok
    assert _index(events, EventKind.UNIT_FINISHED, "dev/platform", "destroy") < _index(
        events, EventKind.UNIT_STARTED, "dev/base", "destroy"
    )
    assert all('"resources": []' in p.read_text() for p in state.glob("*.tfstate"))


def _recording_step(order: list[str], failing: set[str]) -> Callable[[Engine, Unit], UnitResult]:
    def step(engine: Engine, unit: Unit) -> UnitResult:
        order.append(unit.id)
        status = Status.FAILED if unit.id in failing else Status.OK
        return UnitResult(unit, Operation.APPLY, status)

    return step


def test_scheduling_rules(fast_runner: Runner, settings: EngineSettings, tmp_path: Path) -> None:
    a = Unit("dev", "base", tmp_path)
    b = Unit("dev", "platform", tmp_path, depends_on=("dev/base",))
    c = Unit("dev", "extra", tmp_path, depends_on=("dev/platform",))
    with Engine(fast_runner, replace(settings, parallelism=1)) as engine:
        order: list[str] = []
        report = run_units(engine, [c, b, a], _recording_step(order, set()), Operation.APPLY)
        assert order == ["dev/base", "dev/platform", "dev/extra"]
        assert [r.unit.id for r in report.results] == order

        order = []
        run_units(engine, [a, b, c], _recording_step(order, set()), Operation.DESTROY, reverse=True)
        assert order == ["dev/extra", "dev/platform", "dev/base"]

        order = []
        report = run_units(engine, [a, b, c], _recording_step(order, {"dev/base"}), Operation.APPLY)
        assert order == ["dev/base"]
        assert [r.status for r in report.results] == [Status.FAILED, Status.SKIPPED, Status.SKIPPED]
        assert "dev/platform did not succeed" in report.results[2].diagnostics[0].summary

        order = []
        report = run_units(engine, [b], _recording_step(order, set()), Operation.APPLY)
        assert order == ["dev/platform"], "a dependency outside the selection is not waited for"

        # environments keep the order given (the workspace gives the spec's: dev, staging, prod), layers in order
        spec_order = [Unit(e, layer, tmp_path, depends_on=(f"{e}/base",) if layer == "platform" else ())
                      for e in ("dev", "staging", "prod") for layer in ("platform", "base")]
        report = run_units(engine, spec_order, _recording_step([], set()), Operation.APPLY)
        assert [r.unit.id for r in report.results] == [
            "dev/base", "dev/platform", "staging/base", "staging/platform", "prod/base", "prod/platform"]

        x = Unit("a", "one", tmp_path, depends_on=("a/two",))
        y = Unit("a", "two", tmp_path, depends_on=("a/one",))
        report = run_units(engine, [x, y], _recording_step(order, set()), Operation.APPLY)
        assert [r.status for r in report.results] == [Status.SKIPPED, Status.SKIPPED]
        assert "cycle" in report.results[0].diagnostics[0].summary

        def broken(engine: Engine, unit: Unit) -> UnitResult:
            raise RuntimeError("boom")

        report = run_units(engine, [a, b], broken, Operation.APPLY)
        assert report.results[0].diagnostics[0].code == "engine.internal_error"
        assert "RuntimeError: boom" in report.results[0].diagnostics[0].summary
        assert report.results[1].status is Status.SKIPPED


def test_interrupt_stops_terraform_gracefully_and_skips_the_rest(
    runner: Runner, settings: EngineSettings, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    base = write_unit(tmp_path, "dev", "base", SLOW_TF, state_dir=state)
    (base.path / "terraform.tfvars").write_text("sleep = 5\n")
    platform = replace(write_unit(tmp_path, "dev", "platform", SLOW_TF, state_dir=state), depends_on=("dev/base",))
    holder: list[Engine] = []
    ended: list[EventKind] = []

    def on_event(event: EngineEvent) -> None:
        if event.kind is EventKind.RESOURCE_STARTED and event.action == "create":
            holder[0].interrupt()
        if event.kind in (EventKind.RESOURCE_DONE, EventKind.RESOURCE_FAILED) and event.action == "create":
            ended.append(event.kind)

    with Engine(runner, settings, on_event=on_event) as engine:
        holder.append(engine)
        report = up_all(engine, [base, platform])
    assert report.interrupted and not report.ok
    # Terraform stopped the 5 s provisioner instead of finishing it (an event, not a wall-clock bound: init and
    # plan before it take seconds on a busy machine)
    # on failure, say what Terraform did (a failure under load once reported no event at all)
    logs = {p.name: p.read_text()[-1500:] for p in (base.path / ".mlstrata").glob("*.log")}
    assert ended == [EventKind.RESOURCE_FAILED], (ended, [d.headline() for d in report.results[0].diagnostics], logs)
    assert CODE_INTERRUPTED in [d.code for d in report.results[0].diagnostics]
    assert report.results[1].status is Status.SKIPPED
    assert "interrupted" in report.results[1].diagnostics[0].summary


def test_a_failing_progress_callback_does_not_break_the_run(
    fast_runner: Runner, settings: EngineSettings, tmp_path: Path
) -> None:
    unit = write_unit(tmp_path, "dev", "base", SIMPLE_TF, state_dir=tmp_path / "state")
    calls: list[EventKind] = []

    def broken(event: EngineEvent) -> None:
        calls.append(event.kind)
        raise ValueError("display bug")

    with Engine(fast_runner, settings, on_event=broken) as engine:
        report = up_all(engine, [unit])
    assert [r.status for r in report.results] == [Status.OK]
    assert calls == [EventKind.UNIT_STARTED], "switched off after the first failure"
    assert [d.code for d in report.diagnostics] == ["engine.callback_failed"]
    assert "ValueError: display bug" in report.diagnostics[0].summary


def test_plan_before_the_first_apply_defers_the_unit_that_reads_base_and_apply_converges_in_one_cycle(
    fast_runner: Runner, settings: EngineSettings, tmp_path: Path
) -> None:
    """Issue 18: `plan` on a fresh tree used to fail every platform unit with "Unable to find remote state";
    after a change to base's outputs, one plan/apply cycle left platform planned against the old outputs."""
    units, _ = _repo(tmp_path, {"dev": False})
    base, platform = units
    with Engine(fast_runner, settings) as engine:
        planned = plan_all(engine, units)
        assert planned.ok, list(planned.all_diagnostics())
        assert [r.status for r in planned.results] == [Status.CHANGES, Status.DEFERRED]
        [note] = planned.results[1].diagnostics
        assert note.code == CODE_DEFERRED and note.summary == "planned after dev/base is applied"
        assert not note.is_error and planned.has_pending
        assert [r.saved_plan for r in status_all(engine, units).results] == ["current", "deferred"]

        applied = apply_all(engine, units)
        assert applied.ok, list(applied.all_diagnostics())
        assert [r.status for r in applied.results] == [Status.OK, Status.OK]
        again = plan_all(engine, units)
        assert [r.status for r in again.results] == [Status.NO_CHANGES, Status.NO_CHANGES], "one cycle converges"

        # a change of base's outputs: platform waits for it, and one cycle reaches the new value
        (base.path / "terraform.tfvars").write_text('env = "dev2"\nfail = false\n')
        changed = plan_all(engine, units)
        assert [r.status for r in changed.results] == [Status.CHANGES, Status.DEFERRED]
        assert apply_all(engine, units).ok
        assert [r.status for r in plan_all(engine, units).results] == [Status.NO_CHANGES, Status.NO_CHANGES]
        [service] = output_all(engine, [platform]).results[0].outputs
        assert service.value == "svc-on-net-dev2"

        # a change of base that leaves its outputs alone does not hold platform back
        (base.path / "extra.tf").write_text('resource "terraform_data" "extra" {\n  input = 1\n}\n')
        assert [r.status for r in plan_all(engine, units).results] == [Status.CHANGES, Status.NO_CHANGES]


def test_a_unit_planned_alone_whose_base_was_never_applied_is_deferred_and_apply_says_apply_base_first(
    fast_runner: Runner, settings: EngineSettings, tmp_path: Path
) -> None:
    units, _ = _repo(tmp_path, {"dev": False})
    platform = units[1]
    with Engine(fast_runner, settings) as engine:
        alone = plan_all(engine, [platform])
        assert alone.ok and [r.status for r in alone.results] == [Status.DEFERRED]
        assert "dev/base has no state yet" in alone.results[0].diagnostics[0].detail
        refused = apply_all(engine, [platform])
        assert not refused.ok
        [error] = [d for d in refused.results[0].diagnostics if d.is_error]
        assert error.summary == "cannot plan dev/platform: dev/base has no state yet" and "apply dev/base" in error.hint


def test_units_planned_in_separate_runs_converge_in_one_cycle_when_base_changes_its_outputs(
    fast_runner: Runner, settings: EngineSettings, tmp_path: Path
) -> None:
    """Issue 18: CI plans base and platform in separate jobs (each sees one unit, no dependency), so platform's
    saved plan reads base's old outputs; its apply job runs after base's. `apply` finds that the outputs it read
    changed, plans it again, gates that plan and applies it: one merge converges."""
    units, _ = _repo(tmp_path, {"dev": False})
    base, platform = units
    with Engine(fast_runner, settings) as engine:
        assert up_all(engine, units).ok
        (base.path / "terraform.tfvars").write_text('env = "dev2"\nfail = false\n')
        # one job per unit: base has changes; platform, planned alone, does not (it reads base's state as it is)
        assert [r.status for r in plan_all(engine, [base]).results] == [Status.CHANGES]
        assert [r.status for r in plan_all(engine, [platform]).results] == [Status.NO_CHANGES]
        assert apply_all(engine, [base]).ok
        applied = apply_all(engine, [platform])
        assert applied.ok, list(applied.all_diagnostics())
        [result] = applied.results
        note = result.diagnostics[0]
        assert note.code == CODE_REPLANNED and not note.is_error
        assert note.summary == "planned dev/platform again: what it reads changed since its plan"
        assert "data.terraform_remote_state.base" in note.detail
        assert [s.operation.value for s in result.steps] == ["plan", "apply"]
        [service] = output_all(engine, [platform]).results[0].outputs
        assert service.value == "svc-on-net-dev2"
        assert [r.status for r in plan_all(engine, units).results] == [Status.NO_CHANGES, Status.NO_CHANGES]

        # outputs unchanged since the plan: the saved plan itself is applied, nothing planned again
        (base.path / "extra.tf").write_text('resource "terraform_data" "extra" {\n  input = 1\n}\n')
        (platform.path / "extra.tf").write_text('resource "terraform_data" "extra" {\n  input = 2\n}\n')
        assert [r.status for r in plan_all(engine, [base]).results] == [Status.CHANGES]
        assert [r.status for r in plan_all(engine, [platform]).results] == [Status.CHANGES]
        assert apply_all(engine, [base]).ok
        kept = apply_all(engine, [platform])
        assert kept.ok and not any(d.code == CODE_REPLANNED for d in kept.all_diagnostics())
        assert kept.results[0].steps == ()
