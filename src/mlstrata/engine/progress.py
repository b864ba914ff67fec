"""Human progress for engine runs: a live rich display fed by `EngineEvent`s, and a summary table.

Usage (CLI side): `with ProgressView(console) as view: report = plan_all(Engine(..., on_event=view), units)`
then `console.print(summary_table(report))`. For `--format json`, print `report.to_dict()` instead.
"""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from mlstrata.diagnostics import Severity
from mlstrata.engine.events import EngineEvent, EventKind
from mlstrata.engine.results import Operation, RunReport, Status, UnitResult
from mlstrata.plan.model import ChangeCounts

_VERBS = {
    "create": "creating",
    "update": "updating",
    "delete": "destroying",
    "replace": "replacing",
    "read": "reading",
    "noop": "checking",
    "no-op": "checking",
}

_STATUS_STYLE = {
    Status.OK: ("ok", "green"),
    Status.CHANGES: ("changes", "yellow"),
    Status.NO_CHANGES: ("no changes", "green"),
    Status.FAILED: ("failed", "bold red"),
    Status.SKIPPED: ("skipped", "dim"),
    Status.DEFERRED: ("deferred", "cyan"),
}


# drift's refresh-only plans: rc 0 is clean; rc 2 means something was read anew (drift, or only outputs and data
# sources, which the drift report does not count)
_REFRESHED = {Status.NO_CHANGES.value: "clean", Status.CHANGES.value: "refreshed (see the report)"}


def counts_text(counts: ChangeCounts | None) -> str:
    """`+add ~change -destroy` (with imports/forgets only when present), or an empty string."""
    if counts is None:
        return ""
    text = f"+{counts.add} ~{counts.change} -{counts.destroy}"
    if counts.import_:
        text += f" <={counts.import_}"
    if counts.forget:
        text += f" .{counts.forget}"
    return text


class ProgressView:
    """An `EventCallback` that keeps one progress line per unit: operation, resource, counts."""

    def __init__(self, console: Console | None = None, *, transient: bool = False) -> None:
        self.console = console or Console(stderr=True)
        self.progress = Progress(
            # plain text, not markup: a resource address (`x["a"]`, `y[0]`) is shown exactly as it is
            TextColumn("{task.fields[unit]:<20}", style="bold", markup=False),
            TextColumn("{task.fields[operation]:<8}", markup=False),
            BarColumn(bar_width=20),
            MofNCompleteColumn(),
            TextColumn("{task.description}", markup=False),
            TimeElapsedColumn(),
            console=self.console,
            transient=transient,
            # a log or a pipe shows only the final lines: no refresh thread rebuilding the table 10 times a second
            auto_refresh=self.console.is_terminal,
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> ProgressView:
        self.progress.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.progress.stop()

    def _task(self, event: EngineEvent) -> TaskID:
        task = self._tasks.get(event.unit)
        if task is None:
            task = self.progress.add_task("", total=None, unit=event.unit, operation=event.operation)
            self._tasks[event.unit] = task
        return task

    def __call__(self, event: EngineEvent) -> None:
        task = self._task(event)
        kind = event.kind
        update = self.progress.update
        if kind is EventKind.UNIT_STARTED:
            self.progress.reset(task, total=None, description="starting", unit=event.unit, operation=event.operation)
        elif kind is EventKind.LOCK_WAIT:
            update(task, description="waiting for the state lock")
        elif kind is EventKind.RESOURCE_REFRESHING:
            update(task, description=f"refreshing {event.address}")
        elif kind is EventKind.RESOURCE_PLANNED:
            update(task, total=event.total or None, description=f"planned {event.total} change(s)")
        elif kind in (EventKind.RESOURCE_STARTED, EventKind.RESOURCE_PROGRESS):
            verb = _VERBS.get(event.action, event.action)
            update(task, total=event.total or None, completed=event.done, description=f"{verb} {event.address}")
        elif kind in (EventKind.RESOURCE_DONE, EventKind.RESOURCE_FAILED):
            mark = "done" if kind is EventKind.RESOURCE_DONE else "FAILED"
            update(task, total=event.total or None, completed=event.done, description=f"{mark}: {event.address}")
        elif kind is EventKind.SUMMARY:
            update(task, description=counts_text(event.counts))
        elif kind in (EventKind.UNIT_FINISHED, EventKind.UNIT_SKIPPED):
            label, _style = _STATUS_STYLE.get(Status(event.status), (event.status, ""))
            detail = counts_text(event.counts) if event.counts is not None else event.message
            if event.operation == "refresh" and event.status in _REFRESHED:
                # a refresh-only plan changes nothing: "+0 ~0 -0" said nothing; the drift report decides
                label, detail = _REFRESHED[event.status], ""
            total = self.progress.tasks[task].total or 1
            update(task, total=total, completed=total, description=f"{label} {detail}".strip())


def _note(result: UnitResult) -> Text:
    for diag in result.diagnostics:
        if diag.severity is Severity.ERROR or result.status in (Status.SKIPPED, Status.DEFERRED):
            where = f" [{diag.extra['address']}]" if "address" in diag.extra else ""
            return Text(f"{diag.summary}{where}", style="red" if diag.is_error else "dim")

    return Text("")


def _managed(addresses: tuple[str, ...]) -> int:
    """Managed resources among state addresses (data sources are read, not held)."""
    return sum(1 for a in addresses if not a.startswith("data.") and ".data." not in a)


def status_table(report: RunReport, *, title: str | None = None) -> Table:
    """`status`: one row per unit with what the JSON report says: resources in state, the saved plan
    (none, current, stale, deferred) and its changes, the first note."""
    table = Table(title=title or "mlstrata status", show_lines=False)
    table.add_column("unit", style="bold", no_wrap=True)
    table.add_column("result", no_wrap=True)
    table.add_column("resources", justify="right", no_wrap=True)
    table.add_column("saved plan", no_wrap=True)
    table.add_column("changes", no_wrap=True, justify="right")
    table.add_column("notes")
    for result in report.results:
        label, style = _STATUS_STYLE[result.status]
        note = _note(result)
        if not note.plain:
            note = Text(next((d.summary for d in result.diagnostics if d.severity is Severity.INFO), ""), style="dim")
        table.add_row(result.unit.id, Text(label, style=style), str(_managed(result.addresses)),
                      result.saved_plan or "none", counts_text(result.counts), note)
    return table


def summary_table(report: RunReport, *, title: str | None = None) -> Table:
    """One row per unit: status, what changed (+add ~change -destroy), time, first problem."""
    if report.operation is Operation.STATUS:
        return status_table(report, title=title)
    table = Table(title=title or f"mlstrata {report.operation.value}", show_lines=False)
    table.add_column("unit", style="bold", no_wrap=True)
    table.add_column("result", no_wrap=True)
    table.add_column("changes", no_wrap=True, justify="right")
    table.add_column("time", justify="right", no_wrap=True)
    table.add_column("notes")
    for result in report.results:
        label, style = _STATUS_STYLE[result.status]
        duration = f"{result.duration_s:.1f}s" if result.status is not Status.SKIPPED else ""
        table.add_row(result.unit.id, Text(label, style=style), counts_text(result.counts), duration, _note(result))
    return table
