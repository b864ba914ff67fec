"""Read-only operations on one unit: outputs, state listing, status (state + saved plan), state as JSON."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson

from mlstrata.diagnostics import Diagnostic, Severity, has_errors
from mlstrata.engine import tfdiags
from mlstrata.engine.operations import (
    CODE_DEFERRED,
    PLAN_JSON,
    PLAN_META,
    ensure_init,
    plan_state_moved,
    saved_plan_problem,
)
from mlstrata.engine.results import Operation, OutputValue, Status, UnitResult
from mlstrata.engine.runs import begin, collect_diagnostics, failed_result, finish, read_json
from mlstrata.engine.session import Engine
from mlstrata.engine.unit import Unit


def output_unit(engine: Engine, unit: Unit, *, reveal: bool | None = None) -> UnitResult:
    """Root module outputs; sensitive values are withheld (None) unless `reveal` is true."""
    started = begin(engine, unit, Operation.OUTPUT)
    reveal = engine.settings.reveal_sensitive_outputs if reveal is None else reveal
    result = _read_only(
        engine,
        unit,
        Operation.OUTPUT,
        ["output", "-json", "-no-color"],
        started,
        lambda raw: {"outputs": _parse_outputs(raw, reveal)},
    )
    return finish(engine, result)


def state_list_unit(engine: Engine, unit: Unit) -> UnitResult:
    """Addresses of the resources in the unit's state (sorted; empty when there is no state)."""
    started = begin(engine, unit, Operation.STATE_LIST)
    result = _read_only(
        engine,
        unit,
        Operation.STATE_LIST,
        ["state", "list"],
        started,
        lambda raw: {"addresses": tuple(sorted(raw.decode().split()))},
        empty_when="No state file was found",
    )
    return finish(engine, result)


def _read_only(
    engine: Engine,
    unit: Unit,
    operation: Operation,
    args: list[str],
    started: float,
    parse: Callable[[bytes], dict[str, Any]],
    empty_when: str = "",
) -> UnitResult:
    diags = ensure_init(engine, unit)
    if has_errors(diags):
        return failed_result(unit, operation, started, diags)
    # Stdout goes to the engine's private (0700) folder: outputs may hold secrets.
    log = engine.scratch_path(f"{unit.env}-{unit.layer}-{operation.value}.out")
    outcome = engine.run(unit, operation.value, args, stdout_path=log)
    if empty_when and outcome.returncode != 0 and empty_when in outcome.stderr:
        log.unlink(missing_ok=True)
        return UnitResult(unit, operation, Status.OK, tuple(diags), duration_s=time.monotonic() - started)
    diags += collect_diagnostics(unit, operation.value, outcome, None)
    if outcome.returncode != 0 or has_errors(diags):
        return failed_result(unit, operation, started, diags)
    try:
        fields = parse(log.read_bytes())
    except (OSError, ValueError) as exc:
        diags.append(tfdiags.failure(unit, operation.value, outcome.returncode, f"unreadable output: {exc}"))
        return failed_result(unit, operation, started, diags)
    finally:
        log.unlink(missing_ok=True)
    return UnitResult(unit, operation, Status.OK, tuple(diags), duration_s=time.monotonic() - started, **fields)


def _parse_outputs(raw: bytes, reveal: bool) -> tuple[OutputValue, ...]:
    data = orjson.loads(raw) if raw.strip() else {}
    if not isinstance(data, dict):
        raise ValueError("output -json did not return an object")
    values = []
    for name in sorted(data):
        item = data[name] if isinstance(data[name], dict) else {}
        sensitive = bool(item.get("sensitive", False))
        value = item.get("value") if reveal or not sensitive else None
        values.append(OutputValue(name, value, item.get("type"), sensitive))
    return tuple(values)


def status_unit(engine: Engine, unit: Unit) -> UnitResult:
    """Where a unit stands: resources in its state (`addresses`) and its saved plan
    (`saved_plan`: `none`, `current`, or `stale`, with the reason as an info diagnostic)."""
    listed = state_list_unit(engine, unit)
    counts = None
    problem = saved_plan_problem(engine, unit)
    if problem is None:
        moved = plan_state_moved(engine, unit)
        problem = None if moved is None else (tfdiags.CODE_STALE, moved)
    diags = list(listed.diagnostics)
    if problem is None:
        meta = read_json(unit.work_dir / PLAN_META) or {}
        saved = "current"
        status = Status.CHANGES if meta.get("has_changes") else Status.NO_CHANGES
        from mlstrata.plan.decode import load_plan  # the decoder only for plans that are read

        plan, _ = load_plan(unit.work_dir / PLAN_JSON)
        counts = plan.counts() if plan is not None else None
    elif problem[0] == tfdiags.CODE_STALE:
        saved = "stale"
        status = Status.OK
        diags.append(
            tfdiags.about(
                unit,
                "status",
                Severity.INFO,
                f"saved plan for {unit.id} is stale",
                detail=problem[1],
                hint="run plan again",
                code=tfdiags.CODE_STALE,
            )
        )
    elif problem[0] == CODE_DEFERRED:
        saved = "deferred"
        status = Status.DEFERRED
        diags.append(tfdiags.about(unit, "status", Severity.INFO, problem[1], code=CODE_DEFERRED,
                                   hint="`mlstrata apply` plans it, reviews that plan and applies it in order"))
    else:
        saved = "none"
        status = Status.OK
    if not listed.ok:
        status = Status.FAILED
    return UnitResult(
        unit,
        Operation.STATUS,
        status,
        tuple(diags),
        counts=counts,
        duration_s=listed.duration_s,
        addresses=listed.addresses,
        saved_plan=saved,
    )


StateDoc = tuple[dict[str, Any] | None, list[Diagnostic]]


def show_state_unit(engine: Engine, unit: Unit) -> StateDoc:
    """`terraform show -json` of the unit's state (no provider runs): the document, or None and why."""
    diags = ensure_init(engine, unit)
    if has_errors(diags):
        return None, diags
    # the engine's private folder: state JSON can hold secret values
    out = engine.scratch_path(f"{unit.env}-{unit.layer}-state.json")
    try:
        outcome = engine.run(unit, "show-state", ["show", "-json", "-no-color"], stdout_path=out)
        diags += collect_diagnostics(unit, "show", outcome, None)
        if outcome.returncode != 0 or has_errors(diags):
            return None, diags
        try:
            doc = orjson.loads(out.read_bytes())
        except orjson.JSONDecodeError as exc:
            return None, [*diags, Diagnostic(Severity.ERROR, f"unreadable state JSON of {unit.id}", detail=str(exc),
                                             path=unit.id, code="parity.state")]
        return (doc if isinstance(doc, dict) else {}), diags
    finally:
        out.unlink(missing_ok=True)


def show_state_all(engine: Engine, units: Sequence[Unit]) -> list[StateDoc]:
    """`show_state_unit` of every unit, `engine.settings.parallelism` at a time, in the order of `units`."""
    with ThreadPoolExecutor(max_workers=max(1, engine.settings.parallelism)) as pool:
        return list(pool.map(lambda u: show_state_unit(engine, u), units))
