"""Terraform's diagnostics (from `-json` UI output or plain stderr) as mlstrata Diagnostics."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from typing import Any

from mlstrata.diagnostics import Diagnostic, Severity, Where
from mlstrata.engine.unit import Unit

CODE_TERRAFORM = "engine.terraform"
CODE_LOCKED = "engine.state_locked"
CODE_STALE = "engine.plan_stale"
CODE_FAILED = "engine.terraform_failed"
CODE_INTERRUPTED = "engine.interrupted"

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_BOX = re.compile(r"^[│╷╵]\s?", re.MULTILINE)
_LOCK_ID = re.compile(r"^\s*ID:\s+(\S+)", re.MULTILINE)
_LOCK_MARKERS = ("acquiring the state lock", "already locked", "error locking state", "lock timeout")


def unit_extra(unit: Unit, operation: str) -> dict[str, str]:
    return {"unit": unit.id, "env": unit.env, "layer": unit.layer, "operation": operation}


def about(unit: Unit, operation: str, severity: Severity, summary: str, *, hint: str, code: str,
          detail: str = "") -> Diagnostic:
    """A diagnostic about one unit: at the unit (its id as the path), with its env, layer and the operation."""
    return Diagnostic(severity, summary, detail=detail, path=unit.id, hint=hint, code=code,
                      extra=unit_extra(unit, operation))


def from_json(raw: Mapping[str, Any], unit: Unit, operation: str, lock_timeout: str = "") -> Diagnostic:
    """Convert one `diagnostic` object of Terraform's `-json` UI stream."""
    severity = Severity.WARNING if raw.get("severity") == "warning" else Severity.ERROR
    summary = str(raw.get("summary", "")) or "Terraform reported a problem"
    detail = str(raw.get("detail", ""))
    address = str(raw.get("address", ""))
    where = _where(raw.get("range"), unit)
    return _classify(severity, summary, detail, address, where, unit, operation, lock_timeout)


def from_text(text: str, unit: Unit, operation: str, lock_timeout: str = "") -> list[Diagnostic]:
    """Pull `Error: …` / `Warning: …` blocks out of Terraform's human-readable stderr."""
    clean = _BOX.sub("", _ANSI.sub("", text))
    found: list[Diagnostic] = []
    block: list[str] = []
    head: tuple[Severity, str] | None = None

    def flush() -> None:
        if head is not None:
            detail = "\n".join(block).strip()
            found.append(_classify(head[0], head[1], detail, "", None, unit, operation, lock_timeout))

    for line in clean.splitlines():
        stripped = line.strip()
        if stripped.startswith("Error: ") or stripped.startswith("Warning: "):
            flush()
            kind, _, summary = stripped.partition(": ")
            head = (Severity.ERROR if kind == "Error" else Severity.WARNING, summary.strip())
            block = []
        elif head is not None:
            block.append(line)
    flush()
    return found


def failure(unit: Unit, operation: str, returncode: int, text: str) -> Diagnostic:
    """A diagnostic for a failed run that said nothing recognisable about why."""
    tail = "\n".join(_ANSI.sub("", text).strip().splitlines()[-20:])
    return about(
        unit,
        operation,
        Severity.ERROR,
        f"terraform {operation} failed on {unit.id} (exit status {returncode})",
        detail=tail,
        hint=f"see the logs in {unit.work_dir}",
        code=CODE_FAILED,
    )


def interrupted(unit: Unit, operation: str) -> Diagnostic:
    return about(
        unit,
        operation,
        Severity.ERROR,
        f"terraform {operation} on {unit.id} was interrupted",
        detail="Terraform was asked to stop and exited after saving what it had done.",
        hint="run plan again to see where the unit stands",
        code=CODE_INTERRUPTED,
    )


def stale_plan(unit: Unit, reason: str) -> Diagnostic:
    return about(
        unit,
        "apply",
        Severity.ERROR,
        f"plan for {unit.id} is stale, run plan again",
        detail=reason,
        hint="run plan again, review it, then apply",
        code=CODE_STALE,
    )


def _classify(
    severity: Severity,
    summary: str,
    detail: str,
    address: str,
    where: Where | None,
    unit: Unit,
    operation: str,
    lock_timeout: str,
) -> Diagnostic:
    extra = unit_extra(unit, operation)
    if address:
        extra["address"] = address
    lowered = f"{summary}\n{detail}".lower()
    if severity is Severity.ERROR and summary == "Saved plan is stale":
        return stale_plan(unit, detail)
    if severity is Severity.ERROR and any(marker in lowered for marker in _LOCK_MARKERS):
        return Diagnostic(
            Severity.ERROR,
            f"state of {unit.id} is locked by another run",
            detail=f"{summary}\n{detail}".strip(),
            path=unit.id,
            hint=_lock_hint(unit, detail),
            code=CODE_LOCKED,
            extra=extra,
        )
    return Diagnostic(
        severity,
        summary,
        detail=detail,
        where=where,
        path=address or unit.id,
        code=CODE_TERRAFORM,
        extra=extra,
    )


_BACKEND = re.compile(r'^\s*backend\s+"([A-Za-z0-9_]+)"', re.MULTILINE)
# Backends whose lock belongs to the process holding it (a file lock, a PostgreSQL session's advisory
# lock): it goes away when that process ends, and `terraform force-unlock` cannot release it.
_PROCESS_LOCKS = ("local", "pg")


def backend_type(unit: Unit) -> str:
    """The unit's state backend as its configuration declares it (`local` when none is declared)."""
    for tf in sorted(unit.path.glob("*.tf")):
        try:
            match = _BACKEND.search(tf.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
        if match:
            return match.group(1)
    return "local"


def _lock_hint(unit: Unit, detail: str) -> str:
    backend = backend_type(unit)
    if backend in _PROCESS_LOCKS:
        return (f"wait for the other run to finish and try again, or raise --lock-timeout; a `{backend}` state "
                "lock is released when the process holding it ends, so there is nothing to force-unlock")
    match = _LOCK_ID.search(detail)
    unlock = f"`terraform force-unlock {match.group(1)}` in {unit.path}" if match else "terraform force-unlock"
    return ("wait for the other run to finish and try again, or raise --lock-timeout; "
            f"if no run is active any more, remove the stale lock with {unlock}")


def with_wait(diag: Diagnostic, waited_s: float, lock_timeout: str) -> Diagnostic:
    """A lock diagnostic saying how long the run really waited (Terraform gives up at once on some
    lock errors, whatever the timeout)."""
    if diag.code != CODE_LOCKED:
        return diag
    limit = f"; lock timeout {lock_timeout}" if lock_timeout else ""
    return dataclasses.replace(diag, summary=f"{diag.summary} (gave up after {waited_s:.1f} s{limit})")


def _where(rng: Any, unit: Unit) -> Where | None:
    if not isinstance(rng, Mapping):
        return None
    filename = str(rng.get("filename", ""))
    if not filename:
        return None
    start = rng.get("start")
    line = int(start.get("line", 0)) if isinstance(start, Mapping) else 0
    column = int(start.get("column", 0)) if isinstance(start, Mapping) else 0
    return Where(os.path.normpath(os.path.join(unit.path, filename)), line, column)
