"""What engine operations return: one `UnitResult` per unit, collected in a `RunReport`."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlstrata.diagnostics import Diagnostic, has_errors
from mlstrata.engine.unit import Unit
from mlstrata.plan.model import ChangeCounts, Plan


class Operation(enum.StrEnum):
    INIT = "init"
    PLAN = "plan"
    APPLY = "apply"
    DESTROY = "destroy"
    REFRESH = "refresh"  # refresh-only plan: drift
    OUTPUT = "output"
    STATE_LIST = "state-list"
    UP = "up"  # plan, then apply when there are changes
    STATUS = "status"  # state listing + saved plan (current / stale / none)


class Status(enum.StrEnum):
    OK = "ok"  # done (apply, destroy, output …)
    CHANGES = "changes"  # a plan with changes (or drift, for refresh)
    NO_CHANGES = "no-changes"
    FAILED = "failed"
    SKIPPED = "skipped"  # not run because a unit it depends on failed, or the run was cancelled
    DEFERRED = "deferred"  # plan: planned after the units it reads are applied (their outputs change)


@dataclass(frozen=True)
class OutputValue:
    """One root module output. `value` is None for sensitive outputs unless revealed on request."""

    name: str
    value: Any
    type: Any = None
    sensitive: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "type": self.type, "sensitive": self.sensitive}


@dataclass(frozen=True)
class UnitResult:
    """The outcome of one operation on one unit."""

    unit: Unit
    operation: Operation
    status: Status
    diagnostics: tuple[Diagnostic, ...] = ()
    counts: ChangeCounts | None = None
    duration_s: float = 0.0
    terraform_version: str = ""
    plan_file: Path | None = None
    plan_json: Path | None = None
    outputs: tuple[OutputValue, ...] = ()
    addresses: tuple[str, ...] = ()
    steps: tuple[UnitResult, ...] = ()  # for UP: the plan and apply results
    saved_plan: str = ""  # for STATUS: none | current | stale

    @property
    def ok(self) -> bool:
        return self.status not in (Status.FAILED, Status.SKIPPED) and not has_errors(self.diagnostics)

    @property
    def has_changes(self) -> bool:
        return self.status is Status.CHANGES

    def load_plan(self) -> tuple[Plan | None, list[Diagnostic]]:
        """Decode the saved plan JSON (`terraform show -json`) of a plan or refresh result."""
        if self.plan_json is None:
            return None, []
        from mlstrata.plan.decode import load_plan  # the decoder only for plans that are read

        return load_plan(self.plan_json)

    def to_dict(self, *, timings: bool = False) -> dict[str, Any]:
        """A JSON-ready form; durations only with `timings=True` (they differ between runs)."""
        data: dict[str, Any] = {
            "unit": self.unit.id,
            "env": self.unit.env,
            "layer": self.unit.layer,
            "operation": self.operation.value,
            "status": self.status.value,
            "diagnostics": [d.to_dict() for d in self.diagnostics],
        }
        if timings:
            data["duration_s"] = round(self.duration_s, 3)
        if self.counts is not None:
            c = self.counts
            data["counts"] = {
                "add": c.add,
                "change": c.change,
                "destroy": c.destroy,
                "import": c.import_,
                "forget": c.forget,
            }
        if self.terraform_version:
            data["terraform_version"] = self.terraform_version
        if self.plan_file is not None:
            data["plan_file"] = str(self.plan_file)
        if self.plan_json is not None:
            data["plan_json"] = str(self.plan_json)
        if self.outputs:
            data["outputs"] = {o.name: o.to_dict() for o in self.outputs}
        if self.addresses:
            data["addresses"] = list(self.addresses)
        if self.steps:
            data["steps"] = [s.to_dict(timings=timings) for s in self.steps]
        if self.saved_plan:
            data["saved_plan"] = self.saved_plan
        return data


@dataclass(frozen=True)
class RunReport:
    """Results of one operation over several units, in dependency order."""

    operation: Operation
    results: tuple[UnitResult, ...]
    interrupted: bool = False
    diagnostics: tuple[Diagnostic, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.interrupted and not has_errors(self.diagnostics) and all(r.ok for r in self.results)

    @property
    def has_changes(self) -> bool:
        return any(r.has_changes for r in self.results)

    @property
    def has_pending(self) -> bool:
        """Something to apply: a plan with changes, or a unit planned after the units it reads are applied."""
        return any(r.has_changes or r.status is Status.DEFERRED for r in self.results)

    def all_diagnostics(self) -> Iterator[Diagnostic]:
        yield from self.diagnostics
        for result in self.results:
            yield from result.diagnostics

    def to_dict(self, *, timings: bool = False) -> dict[str, Any]:
        """A JSON-ready form, units in dependency order; durations only with `timings=True`."""
        return {
            "operation": self.operation.value,
            "ok": self.ok,
            "interrupted": self.interrupted,
            "diagnostics": [d.to_dict() for d in self.diagnostics],
            "units": [r.to_dict(timings=timings) for r in self.results],
        }


def discard_refresh_files(report: RunReport) -> None:
    """Remove the refresh-only plan files a read-only command (drift, parity) made once it has read them:
    they hold every attribute of every resource, and nothing reads them later."""
    for result in report.results:
        if result.operation is Operation.REFRESH:
            for path in (result.plan_file, result.plan_json):
                if path is not None:
                    path.unlink(missing_ok=True)
