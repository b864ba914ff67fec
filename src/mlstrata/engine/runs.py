"""Bookkeeping shared by unit operations: the arguments every run gets, following a run's
`-json` stream, turning its outcome into diagnostics, unit start/finish events, small JSON files."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from mlstrata.diagnostics import Diagnostic, has_errors
from mlstrata.engine import tfdiags
from mlstrata.engine.events import EngineEvent, EventKind, UiStream
from mlstrata.engine.process import ProcessOutcome
from mlstrata.engine.results import Operation, Status, UnitResult
from mlstrata.engine.session import Engine
from mlstrata.engine.unit import Unit


def common_args(engine: Engine) -> list[str]:
    return ["-input=false", "-no-color", f"-lock-timeout={engine.settings.lock_timeout}"]


def ui_stream(engine: Engine, unit: Unit, operation: str) -> UiStream:
    return UiStream(unit, operation, engine.emit, lock_timeout=engine.settings.lock_timeout)


def run_streamed(engine: Engine, unit: Unit, name: str, args: Sequence[str]) -> tuple[ProcessOutcome, UiStream]:
    ui = ui_stream(engine, unit, name)
    outcome = engine.run(unit, name, args, on_line=ui.feed)
    return outcome, ui


def collect_diagnostics(
    unit: Unit,
    operation: str,
    outcome: ProcessOutcome,
    ui: UiStream | None,
    ok_codes: Sequence[int] = (0,),
    lock_timeout: str = "",
) -> list[Diagnostic]:
    diags = list(ui.diagnostics) if ui is not None else []
    if outcome.interrupted:
        diags.append(tfdiags.interrupted(unit, operation))
    if outcome.returncode not in ok_codes and not has_errors(diags):
        text = outcome.stderr
        if ui is not None and ui.text_lines:
            text += "\n" + "\n".join(ui.text_lines)
        from_text = tfdiags.from_text(text, unit, operation, lock_timeout)
        diags.extend(from_text)
        if not has_errors(from_text):
            diags.append(tfdiags.failure(unit, operation, outcome.returncode, text))
    return [tfdiags.with_wait(d, outcome.duration_s, lock_timeout) for d in diags]


def begin(engine: Engine, unit: Unit, operation: Operation) -> float:
    engine.emit(EngineEvent(EventKind.UNIT_STARTED, unit.id, operation.value))
    return time.monotonic()


def finish(engine: Engine, result: UnitResult) -> UnitResult:
    engine.emit(
        EngineEvent(
            EventKind.UNIT_FINISHED,
            result.unit.id,
            result.operation.value,
            status=result.status.value,
            counts=result.counts,
            elapsed_s=result.duration_s,
        )
    )
    return result


def write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    tmp.write_bytes(orjson.dumps(data, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2) + b"\n")
    os.replace(tmp, path)


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def remove_files(*paths: Path) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def failed_result(
    unit: Unit, operation: Operation, started: float, diags: Sequence[Diagnostic], **kwargs: Any
) -> UnitResult:
    return UnitResult(unit, operation, Status.FAILED, tuple(diags), duration_s=time.monotonic() - started, **kwargs)
