"""Progress events: what the engine reports while it runs, fed by Terraform's `-json` UI stream.

Callbacks receive `EngineEvent` values; they are called one at a time (never concurrently),
from the engine's worker threads.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from mlstrata.diagnostics import Diagnostic
from mlstrata.engine import tfdiags
from mlstrata.engine.unit import Unit
from mlstrata.plan.model import ChangeCounts


class EventKind(enum.StrEnum):
    UNIT_STARTED = "unit_started"  # an operation began on a unit
    UNIT_FINISHED = "unit_finished"  # … and ended (status says how)
    UNIT_SKIPPED = "unit_skipped"  # not run: a unit it depends on failed
    LOCK_WAIT = "lock_wait"  # Terraform is acquiring the state lock
    RESOURCE_PLANNED = "resource_planned"  # a change was planned for a resource
    RESOURCE_DRIFT = "resource_drift"  # a resource changed outside Terraform
    RESOURCE_REFRESHING = "resource_refreshing"
    RESOURCE_STARTED = "resource_started"  # apply began on a resource
    RESOURCE_PROGRESS = "resource_progress"  # still applying (periodic)
    RESOURCE_DONE = "resource_done"
    RESOURCE_FAILED = "resource_failed"
    SUMMARY = "summary"  # Terraform's change summary (counts)
    DIAGNOSTIC = "diagnostic"


@dataclass(frozen=True)
class EngineEvent:
    """One progress event. `done`/`total` count resources of the current operation on the unit
    (`total` is 0 while unknown); `status` is set on UNIT_FINISHED/UNIT_SKIPPED."""

    kind: EventKind
    unit: str
    operation: str
    address: str = ""
    action: str = ""
    message: str = ""
    done: int = 0
    total: int = 0
    counts: ChangeCounts | None = None
    elapsed_s: float = 0.0
    status: str = ""
    diagnostic: Diagnostic | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (for a machine-readable progress stream), empty fields left out."""
        data: dict[str, Any] = {"kind": self.kind.value, "unit": self.unit, "operation": self.operation}
        for key in ("address", "action", "message", "status"):
            value = getattr(self, key)
            if value:
                data[key] = value
        if self.total or self.done:
            data["done"] = self.done
            data["total"] = self.total
        if self.counts is not None:
            c = self.counts
            data["counts"] = {"add": c.add, "change": c.change, "destroy": c.destroy}
        if self.diagnostic is not None:
            data["diagnostic"] = self.diagnostic.to_dict()
        return data


EventCallback = Callable[[EngineEvent], None]


class SerialCallback:
    """Wraps a user callback so that events from parallel units reach it one at a time.

    A failing callback (a display bug) must not abandon a running apply: its first error is
    kept in `error` and later events are no longer delivered.
    """

    def __init__(self, callback: EventCallback | None) -> None:
        self._callback = callback
        self._lock = threading.Lock()
        self.error: BaseException | None = None

    def __call__(self, event: EngineEvent) -> None:
        if self._callback is None:
            return
        with self._lock:
            if self.error is not None:
                return
            try:
                self._callback(event)
            except Exception as exc:
                self.error = exc


def _counts(changes: Any) -> ChangeCounts:
    if not isinstance(changes, dict):
        return ChangeCounts()
    return ChangeCounts(
        add=int(changes.get("add", 0)),
        change=int(changes.get("change", 0)),
        destroy=int(changes.get("remove", 0)),
        import_=int(changes.get("import", 0)),
        forget=int(changes.get("forget", 0)),
    )


@dataclass
class UiStream:
    """Reads one Terraform run's `-json` UI lines; collects diagnostics and counts, emits events."""

    unit: Unit
    operation: str
    emit: EventCallback
    lock_timeout: str = ""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    counts: ChangeCounts | None = None
    terraform_version: str = ""
    text_lines: list[str] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    planned: int = 0
    done: int = 0

    def feed(self, line: bytes) -> None:
        """Handle one stdout line (non-JSON lines are kept as text for error reports)."""
        try:
            msg = orjson.loads(line)
        except orjson.JSONDecodeError:
            self.text_lines.append(line.decode("utf-8", "replace"))
            return
        if not isinstance(msg, dict):
            return
        handler = _HANDLERS.get(str(msg.get("type", "")))
        if handler is not None:
            handler(self, msg)

    def _event(self, kind: EventKind, **kwargs: Any) -> None:
        self.emit(EngineEvent(kind, self.unit.id, self.operation, done=self.done, total=self.planned, **kwargs))

    def _on_version(self, msg: dict[str, Any]) -> None:
        self.terraform_version = str(msg.get("terraform", ""))

    def _on_diagnostic(self, msg: dict[str, Any]) -> None:
        raw = msg.get("diagnostic")
        if isinstance(raw, dict):
            diag = tfdiags.from_json(raw, self.unit, self.operation, self.lock_timeout)
            self.diagnostics.append(diag)
            self._event(
                EventKind.DIAGNOSTIC, address=str(raw.get("address", "")), message=diag.summary, diagnostic=diag
            )

    def _on_planned(self, msg: dict[str, Any]) -> None:
        change = msg.get("change") or {}
        action = str(change.get("action", ""))
        if action not in ("noop", "no-op", "read"):
            self.planned += 1
        self._event(EventKind.RESOURCE_PLANNED, address=_addr(change), action=action)

    def _on_drift(self, msg: dict[str, Any]) -> None:
        change = msg.get("change") or {}
        self._event(EventKind.RESOURCE_DRIFT, address=_addr(change), action=str(change.get("action", "")))

    def _on_hook(self, kind: EventKind, msg: dict[str, Any]) -> None:
        hook = msg.get("hook") or {}
        self._event(
            kind,
            address=_addr(hook),
            action=str(hook.get("action", "")),
            message=str(msg.get("@message", "")),
            elapsed_s=float(hook.get("elapsed_seconds", 0) or 0),
        )

    def _on_apply_start(self, msg: dict[str, Any]) -> None:
        self._on_hook(EventKind.RESOURCE_STARTED, msg)

    def _on_apply_progress(self, msg: dict[str, Any]) -> None:
        self._on_hook(EventKind.RESOURCE_PROGRESS, msg)

    def _on_apply_complete(self, msg: dict[str, Any]) -> None:
        self.done += 1
        self._on_hook(EventKind.RESOURCE_DONE, msg)

    def _on_apply_errored(self, msg: dict[str, Any]) -> None:
        self.done += 1
        self._on_hook(EventKind.RESOURCE_FAILED, msg)

    def _on_refresh_start(self, msg: dict[str, Any]) -> None:
        self._on_hook(EventKind.RESOURCE_REFRESHING, msg)

    def _on_summary(self, msg: dict[str, Any]) -> None:
        counts = _counts(msg.get("changes"))
        self.counts = counts
        self._event(EventKind.SUMMARY, counts=counts, message=str(msg.get("@message", "")))

    def _on_outputs(self, msg: dict[str, Any]) -> None:
        outputs = msg.get("outputs")
        if isinstance(outputs, dict):
            self.outputs = outputs

    def _on_lock(self, msg: dict[str, Any]) -> None:
        self._event(EventKind.LOCK_WAIT, message=str(msg.get("@message", "")))


def _addr(obj: Any) -> str:
    resource = obj.get("resource") if isinstance(obj, dict) else None
    return str(resource.get("addr", "")) if isinstance(resource, dict) else ""


_HANDLERS: dict[str, Callable[[UiStream, dict[str, Any]], None]] = {
    "version": UiStream._on_version,
    "diagnostic": UiStream._on_diagnostic,
    "planned_change": UiStream._on_planned,
    "resource_drift": UiStream._on_drift,
    "apply_start": UiStream._on_apply_start,
    "apply_progress": UiStream._on_apply_progress,
    "apply_complete": UiStream._on_apply_complete,
    "apply_errored": UiStream._on_apply_errored,
    "refresh_start": UiStream._on_refresh_start,
    "change_summary": UiStream._on_summary,
    "outputs": UiStream._on_outputs,
    "state_lock_acquire": UiStream._on_lock,
}
