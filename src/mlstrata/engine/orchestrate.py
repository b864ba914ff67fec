"""Run an operation over many units: dependency order (`base` before `platform`, reversed for
destroy), environments in parallel up to `EngineSettings.parallelism`, and failure isolation (a
failed unit's dependents are skipped with a reason; other environments carry on).

Threads are enough here: each Terraform run is its own process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from mlstrata.diagnostics import Diagnostic, Severity
from mlstrata.engine import operations, queries, tfdiags
from mlstrata.engine.events import EngineEvent, EventKind
from mlstrata.engine.results import Operation, RunReport, Status, UnitResult
from mlstrata.engine.session import Engine
from mlstrata.engine.unit import Unit

UnitStep = Callable[[Engine, Unit], UnitResult]

CODE_SKIPPED = "engine.skipped"
CODE_INTERNAL = "engine.internal_error"


def run_units(
    engine: Engine,
    units: Sequence[Unit],
    step: UnitStep,
    operation: Operation,
    *,
    reverse: bool = False,
    independent: bool = False,
) -> RunReport:
    """Run `step` on every unit respecting dependencies; return results in dependency order (environments in
    the order `units` gives them: the workspace gives the spec's).

    `reverse` runs dependents first (destroy); `independent` ignores dependencies (read-only
    operations such as outputs). Ctrl-C interrupts running Terraform gracefully and skips the rest.
    """
    units = list(units)
    first_seen = {u.env: i for i, u in reversed(list(enumerate(units)))}  # environments in the order given
    order = sorted(units, key=lambda u: (first_seen[u.env], *u.sort_key()), reverse=reverse)
    waits_for = _blockers(order, reverse, independent)
    results: dict[str, UnitResult] = {}
    pending = list(order)
    running: dict[Future[UnitResult], Unit] = {}
    interrupted = False
    workers = max(1, engine.settings.parallelism)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mlstrata-unit") as pool:
        while pending or running:
            pending = _schedule(engine, pool, pending, running, results, waits_for, step, operation, interrupted)
            if not running:
                continue
            try:
                done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            except KeyboardInterrupt:
                interrupted = True
                engine.interrupt()
                continue
            for future in done:
                unit = running.pop(future)
                results[unit.id] = _result_of(future, unit, operation)
    ordered = tuple(results[u.id] for u in order)
    diags: tuple[Diagnostic, ...] = ()
    if engine.emit.error is not None:
        err = engine.emit.error
        diags = (
            Diagnostic(
                Severity.WARNING,
                f"the progress callback failed and was switched off: {type(err).__name__}: {err}",
                hint="the Terraform runs themselves were not affected",
                code="engine.callback_failed",
            ),
        )
    return RunReport(operation, ordered, interrupted=interrupted or engine.cancelled, diagnostics=diags)


def _blockers(order: Sequence[Unit], reverse: bool, independent: bool) -> dict[str, set[str]]:
    ids = {u.id for u in order}
    blockers: dict[str, set[str]] = {u.id: set() for u in order}
    if independent:
        return blockers
    for unit in order:
        for dep in unit.depends_on:
            if dep not in ids:
                continue
            if reverse:
                blockers[dep].add(unit.id)
            else:
                blockers[unit.id].add(dep)
    return blockers


def _schedule(
    engine: Engine,
    pool: ThreadPoolExecutor,
    pending: list[Unit],
    running: dict[Future[UnitResult], Unit],
    results: dict[str, UnitResult],
    waits_for: dict[str, set[str]],
    step: UnitStep,
    operation: Operation,
    interrupted: bool,
) -> list[Unit]:
    still: list[Unit] = []
    for unit in pending:
        blockers = waits_for[unit.id]
        if interrupted or engine.cancelled:
            results[unit.id] = _skipped(engine, unit, operation, "the run was interrupted")
            continue
        bad = sorted(b for b in blockers if b in results and not results[b].ok)
        if bad:
            results[unit.id] = _skipped(engine, unit, operation, f"{', '.join(bad)} did not succeed")
        elif all(b in results for b in blockers):
            running[pool.submit(step, engine, unit)] = unit
        else:
            still.append(unit)
    if still and not running and not _any_runnable(still, results, waits_for):
        # A dependency cycle or a dependency that never finishes: report instead of hanging.
        for unit in still:
            results[unit.id] = _skipped(engine, unit, operation, "its dependencies form a cycle")
        return []
    return still


def _any_runnable(units: list[Unit], results: dict[str, UnitResult], waits_for: dict[str, set[str]]) -> bool:
    return any(all(b in results for b in waits_for[u.id]) for u in units)


def _skipped(engine: Engine, unit: Unit, operation: Operation, reason: str) -> UnitResult:
    diag = tfdiags.about(
        unit,
        operation.value,
        Severity.WARNING,
        f"{operation.value} skipped on {unit.id}: {reason}",
        hint="fix the failures above, then run again",
        code=CODE_SKIPPED,
    )
    engine.emit(
        EngineEvent(EventKind.UNIT_SKIPPED, unit.id, operation.value, message=reason, status=Status.SKIPPED.value)
    )
    return UnitResult(unit, operation, Status.SKIPPED, (diag,))


def _result_of(future: Future[UnitResult], unit: Unit, operation: Operation) -> UnitResult:
    try:
        return future.result()
    except Exception as exc:  # a bug must not hide other units' results; report it as a diagnostic
        diag = tfdiags.about(
            unit,
            operation.value,
            Severity.ERROR,
            f"internal error during {operation.value} on {unit.id}: {type(exc).__name__}: {exc}",
            hint="this is a bug in mlstrata; please report it with the unit's .mlstrata/ logs",
            code=CODE_INTERNAL,
        )
        return UnitResult(unit, operation, Status.FAILED, (diag,))


def init_all(engine: Engine, units: Sequence[Unit]) -> RunReport:
    """`terraform init` every unit."""
    return run_units(engine, units, operations.init_unit, Operation.INIT, independent=True)


def plan_all(engine: Engine, units: Sequence[Unit], *, destroy: bool = False) -> RunReport:
    """Plan every unit (saving plan files); a unit whose dependency failed is skipped. A unit that reads a
    dependency whose plan changes its outputs (or that was deferred itself) is deferred: `apply` plans it once
    the dependency is applied, so one plan/apply cycle converges."""
    planned: dict[str, UnitResult] = {}
    guard = threading.Lock()

    def step(engine: Engine, unit: Unit) -> UnitResult:
        with guard:
            deps = [planned[d] for d in unit.depends_on if d in planned]
        after = [d.unit.id for d in deps if operations.changes_outputs(d)] if not destroy else []
        if after:
            result = operations.defer_plan(engine, unit, after)
        else:
            result = operations.plan_unit(engine, unit, destroy=destroy)
        with guard:
            planned[unit.id] = result
        return result

    return run_units(engine, units, step, Operation.PLAN, reverse=destroy)


def apply_all(engine: Engine, units: Sequence[Unit]) -> RunReport:
    """Apply every unit's saved plan (each only if still current), in dependency order."""
    return run_units(engine, units, operations.apply_unit, Operation.APPLY)


def up_all(engine: Engine, units: Sequence[Unit]) -> RunReport:
    """Plan and apply unit by unit, so a layer is planned after the layers it depends on exist."""
    return run_units(engine, units, operations.up_unit, Operation.UP)


def destroy_all(engine: Engine, units: Sequence[Unit]) -> RunReport:
    """Destroy every unit, dependents first (`platform` before `base`)."""
    return run_units(engine, units, operations.destroy_unit, Operation.DESTROY, reverse=True)


def refresh_all(engine: Engine, units: Sequence[Unit], *, json_when_clean: bool = True) -> RunReport:
    """Refresh-only plan of every unit (drift detection); units are independent here.

    `json_when_clean=False`: no `show -json` for units without drift (see `refresh_unit`).
    """

    def step(engine: Engine, unit: Unit) -> UnitResult:
        return operations.refresh_unit(engine, unit, json_when_clean=json_when_clean)

    return run_units(engine, units, step, Operation.REFRESH, independent=True)


def output_all(engine: Engine, units: Sequence[Unit], *, reveal: bool | None = None) -> RunReport:
    """Outputs of every unit (sensitive values withheld unless revealed)."""

    def step(engine: Engine, unit: Unit) -> UnitResult:
        return queries.output_unit(engine, unit, reveal=reveal)

    return run_units(engine, units, step, Operation.OUTPUT, independent=True)


def state_list_all(engine: Engine, units: Sequence[Unit]) -> RunReport:
    """Resource addresses in every unit's state."""
    return run_units(engine, units, queries.state_list_unit, Operation.STATE_LIST, independent=True)


def status_all(engine: Engine, units: Sequence[Unit]) -> RunReport:
    """Resources in state and saved-plan status of every unit."""
    return run_units(engine, units, queries.status_unit, Operation.STATUS, independent=True)
