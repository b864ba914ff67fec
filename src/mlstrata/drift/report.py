"""Drift: what changed outside Terraform, read from refresh-only plans, per unit.

Input is the engine's refresh report (one refresh-only plan per unit, `resource_drift` decoded by
`mlstrata.plan`); output is a `DriftReport`: every drifted resource with its category, its
attribute-level before -> after, whether the spec allows it (`drift.allow`, with the reason) and
since when it has drifted (from `.mlstrata/drift-history.jsonl`). Nothing here writes state or
calls a provider: the plans are made by the engine with `-refresh-only`, which never persists.
"""

from __future__ import annotations

import dataclasses
import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlstrata.diagnostics import Diagnostic, Severity, has_errors
from mlstrata.drift.categories import Category, categorize
from mlstrata.drift.history import HistoryRecord, append_history, read_history, since_of, utc_now
from mlstrata.engine.operations import reads_unapplied_state
from mlstrata.engine.results import RunReport, Status, UnitResult, discard_refresh_files
from mlstrata.plan.model import Plan, ResourceChange, ResourceMode

if TYPE_CHECKING:
    from mlstrata.drift.allowances import Allowance

SENSITIVE = "(sensitive)"
ABSENT = "(absent)"


@dataclass(frozen=True)
class AttributeChange:
    """One leaf attribute that changed: its path (`grants.ml-engineer`, `scaling_config.0.desired_size`)."""

    path: str
    before: Any
    after: Any

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "before": self.before, "after": self.after}


@dataclass(frozen=True)
class DriftedResource:
    """One resource instance that changed (or vanished) outside Terraform."""

    unit: str
    env: str
    layer: str
    address: str
    type: str
    category: Category
    deleted: bool
    changes: tuple[AttributeChange, ...]
    allowed_reason: str = ""
    since: str = ""
    hint: str = ""  # what to do about it (unmanaged objects: import or delete)

    @property
    def unmanaged(self) -> bool:
        return self.category is Category.UNMANAGED

    @property
    def allowed(self) -> bool:
        return bool(self.allowed_reason)

    @property
    def key(self) -> tuple[str, str]:
        return (self.unit, self.address)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "unit": self.unit,
            "env": self.env,
            "layer": self.layer,
            "address": self.address,
            "type": self.type,
            "category": self.category.value,
            "category_label": self.category.label,
            "deleted": self.deleted,
            "allowed": self.allowed,
            "changes": [c.to_dict() for c in self.changes],
            "since": self.since,
        }
        if self.allowed_reason:
            data["allowed_reason"] = self.allowed_reason
        if self.unmanaged:
            data["unmanaged"] = True
        if self.hint:
            data["hint"] = self.hint
        return data


@dataclass(frozen=True)
class UnitDrift:
    """How the refresh of one unit went."""

    unit: str
    env: str
    layer: str
    status: str  # clean | drift | failed | skipped | not applied
    diagnostics: tuple[Diagnostic, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"unit": self.unit, "env": self.env, "layer": self.layer, "status": self.status,
                "diagnostics": [d.to_dict() for d in self.diagnostics]}


@dataclass(frozen=True)
class DriftReport:
    """Drift over every selected unit; unallowed drift and unit failures are what exit codes look at."""

    units: tuple[UnitDrift, ...]
    resources: tuple[DriftedResource, ...]
    diagnostics: tuple[Diagnostic, ...] = field(default=())

    @property
    def unallowed(self) -> list[DriftedResource]:
        return [r for r in self.resources if not r.allowed]

    @property
    def allowed(self) -> list[DriftedResource]:
        return [r for r in self.resources if r.allowed]

    @property
    def failed(self) -> bool:
        return has_errors(self.diagnostics) or any(u.status in ("failed", "skipped") for u in self.units)

    @property
    def exit_code(self) -> int:
        """Like Terraform's `-detailed-exitcode`: 1 error, 2 drift (not allowed), 0 none."""
        if self.failed:
            return 1
        return 2 if self.unallowed else 0

    def all_diagnostics(self) -> list[Diagnostic]:
        return [*self.diagnostics, *(d for u in self.units for d in u.diagnostics)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "drift": bool(self.unallowed),
            "exit_code": self.exit_code,
            "counts": {"drifted": len(self.unallowed), "allowed": len(self.allowed),
                       "units": len(self.units), "failed_units": sum(u.status == "failed" for u in self.units)},
            "units": [u.to_dict() for u in self.units],
            "resources": [r.to_dict() for r in self.resources],
            "diagnostics": [d.to_dict() for d in self.diagnostics],
        }


# --------------------------------------------------------------------------- attribute diff


def _leaves(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict) and value:
        for key in sorted(value):
            _leaves(value[key], f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list) and value:
        for i, item in enumerate(value):
            _leaves(item, f"{prefix}.{i}" if prefix else str(i), out)
    else:
        out[prefix] = value


def flatten(value: Any) -> dict[str, Any]:
    """Leaf values by dotted path (list indices as numbers, like Terraform's own attribute paths)."""
    out: dict[str, Any] = {}
    if isinstance(value, dict):
        _leaves(value, "", out)
    return out


def _sensitive_paths(marks: Any) -> list[str]:
    """Paths marked `true` in a `*_sensitive` structure."""
    found: list[str] = []

    def walk(node: Any, prefix: str) -> None:
        if node is True:
            found.append(prefix)
        elif isinstance(node, dict):
            for key, sub in node.items():
                walk(sub, f"{prefix}.{key}" if prefix else str(key))
        elif isinstance(node, list):
            for i, sub in enumerate(node):
                walk(sub, f"{prefix}.{i}" if prefix else str(i))

    walk(marks, "")
    return found


def _masked(path: str, sensitive: list[str]) -> bool:
    return any(path == s or path.startswith(f"{s}.") or s == "" for s in sensitive)


def attribute_changes(change: ResourceChange) -> tuple[AttributeChange, ...]:
    """Leaf-level before -> after of a drifted resource; sensitive values are never shown."""
    before, after = flatten(change.before), flatten(change.after)
    hidden = _sensitive_paths(change.before_sensitive) + _sensitive_paths(change.after_sensitive)
    out = []
    for path in sorted(set(before) | set(after)):
        old, new = before.get(path, ABSENT), after.get(path, ABSENT)
        if old == new or (_empty(old) and _empty(new)):
            continue
        if _masked(path, hidden):
            old, new = (SENSITIVE if old != ABSENT else ABSENT), (SENSITIVE if new != ABSENT else ABSENT)
        out.append(AttributeChange(path, old, new))
    return tuple(out)


def _empty(value: Any) -> bool:
    # null, absent, {} and [] are the same thing to Terraform's plan renderer
    return value is None or value == ABSENT or value == {} or value == []


# --------------------------------------------------------------------------- allowances


def allowance_for(resource: DriftedResource, allow: Sequence[Allowance]) -> str:
    """The reason of the first `drift.allow` entry covering the whole drift of `resource`, else ""."""
    for entry in allow:
        if entry.envs is not None and resource.env not in entry.envs:
            continue
        if not fnmatch.fnmatchcase(resource.address, entry.resource):
            continue
        if not entry.attributes:
            return entry.reason
        if resource.deleted or not resource.changes:
            continue
        if all(any(fnmatch.fnmatchcase(c.path, g) for g in entry.attributes) for c in resource.changes):
            return entry.reason
    return ""


# --------------------------------------------------------------------------- analysis


def drifted_resources(result: UnitResult, plan: Plan) -> list[DriftedResource]:
    """The managed resources of one unit's refresh-only plan that changed outside Terraform."""
    found = []
    for change in plan.resource_drift:
        if change.mode is not ResourceMode.MANAGED or change.deposed:
            continue
        deleted = change.after is None and change.action.is_destructive
        changes = () if deleted else attribute_changes(change)
        if not deleted and not changes:
            continue  # only values Terraform itself normalises (e.g. null vs. absent)
        found.append(DriftedResource(
            unit=result.unit.id, env=result.unit.env, layer=result.unit.layer, address=change.address,
            type=change.type, category=categorize(change.type, [c.path for c in changes], deleted=deleted,
                                                  arm_type=change.arm_type),
            deleted=deleted, changes=changes))
    return found


def _unit_status(result: UnitResult, drifted: bool) -> str:
    if result.status is Status.SKIPPED:
        return "skipped"
    if not result.ok:
        return "failed"
    return "drift" if drifted else "clean"


def analyze(report: RunReport, allow: Sequence[Allowance], history: Iterable[HistoryRecord],
            now: str) -> DriftReport:
    """Turn a refresh report into a `DriftReport`: categories, allowances and since-when."""
    units: list[UnitDrift] = []
    resources: list[DriftedResource] = []
    past = list(history)
    for result in report.results:
        diags = list(result.diagnostics)
        found: list[DriftedResource] = []
        plan = None
        if result.ok and result.plan_json is not None:
            plan, plan_diags = result.load_plan()
            diags += plan_diags
            if plan is not None:
                found = drifted_resources(result, plan)
        status = "failed" if has_errors(diags) and result.ok else _unit_status(result, bool(found))
        if status == "failed" and not result.ok and reads_unapplied_state(result.diagnostics):
            # it reads a unit with no state or outputs (never applied, or destroyed): nothing exists to drift
            status = "not applied"
            diags = [Diagnostic(Severity.INFO, "not applied yet: what it reads has no state, so nothing is checked",
                                path=result.unit.id, code="drift.not_applied",
                                hint=f"`mlstrata apply --env {result.unit.env}` (or `up`) creates it")]
        elif status == "clean" and plan is not None and not plan.holds_prior_resources():
            # its own state holds no resource (never applied, or destroyed): "clean" would claim a check that
            # compared nothing; parity says "not applied" of the same unit
            status = "not applied"
            diags = [*diags, Diagnostic(Severity.INFO, "not applied yet (or destroyed): its state holds no resource, "
                                        "so nothing is checked", path=result.unit.id, code="drift.not_applied",
                                        hint=f"`mlstrata apply --env {result.unit.env}` (or `up`) creates it")]
        units.append(UnitDrift(result.unit.id, result.unit.env, result.unit.layer, status, tuple(diags)))
        for item in found:
            reason = allowance_for(item, allow)
            since = since_of(item.key, past, now)
            resources.append(dataclasses.replace(item, allowed_reason=reason, since=since))
    resources.sort(key=lambda r: (r.env, r.layer, r.address))
    extra: tuple[Diagnostic, ...] = tuple(report.diagnostics)
    if report.interrupted:
        extra += (Diagnostic(Severity.ERROR, "the drift check was interrupted", code="drift.interrupted",
                             hint="run it again"),)
    return DriftReport(tuple(units), tuple(resources), extra)


def record_of(report: DriftReport, now: str) -> HistoryRecord:
    """The history line for this run: which units were checked and what had drifted."""
    checked = tuple(sorted(u.unit for u in report.units if u.status in ("clean", "drift")))
    drifted = tuple(sorted(r.key for r in report.resources))
    return HistoryRecord(at=now, units=checked, drifted=drifted)


def with_unmanaged(report: DriftReport, found: Sequence[DriftedResource], allow: Sequence[Allowance],
                   history: Iterable[HistoryRecord], now: str) -> DriftReport:
    """Add objects that exist outside every state (category UNMANAGED) to a report: their units drift."""
    past = list(history)
    extra = [dataclasses.replace(r, allowed_reason=allowance_for(r, allow), since=since_of(r.key, past, now))
             for r in found]
    drifted = {r.unit for r in extra}
    units = tuple(dataclasses.replace(u, status="drift") if u.unit in drifted and u.status == "clean" else u
                  for u in report.units)
    resources = sorted([*report.resources, *extra], key=lambda r: (r.env, r.layer, r.address))
    return DriftReport(units, tuple(resources), report.diagnostics)


def check_drift(repo: Path, allow: Sequence[Allowance], run: RunReport, now: str | None = None,
                unmanaged: Sequence[DriftedResource] = ()) -> DriftReport:
    """Analyse a refresh report (and the `unmanaged` objects found beside it) against the allowed drift and the
    repository's history, then append this run to the history (a failure to write it is a warning on the
    report)."""
    now = now or utc_now()
    history, history_diags = read_history(repo)
    report = analyze(run, allow, history, now)
    checked = {u.unit for u in report.units if u.status in ("clean", "drift")}
    report = with_unmanaged(report, [r for r in unmanaged if r.unit in checked], allow, history, now)
    discard_refresh_files(run)  # read: they hold every attribute of every resource, and nothing needs them now
    if history_diags:
        report = DriftReport(report.units, report.resources, report.diagnostics + tuple(history_diags))
    try:
        append_history(repo, record_of(report, now))
    except OSError as exc:
        failed = Diagnostic(Severity.WARNING, "could not append to the drift history", detail=str(exc),
                            code="drift.history")
        report = DriftReport(report.units, report.resources, (*report.diagnostics, failed))
    return report
