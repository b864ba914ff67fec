"""The review gate around apply, up, destroy and rollback, and the journal entries it writes.

`gate_saved_plans` reviews the saved plans `apply` is about to apply and matches acceptances; the
`Governance` object is the engine's `ChangeHooks`: it gates the fresh plans of `up` (and rollback),
refuses a plan other than the one that was gated, and journals every change before and after.
"""

from __future__ import annotations

import dataclasses
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlstrata.diagnostics import Diagnostic, Severity, error
from mlstrata.engine.operations import PLAN_JSON, PLAN_META
from mlstrata.engine.results import Operation, Status, UnitResult
from mlstrata.engine.runs import read_json
from mlstrata.engine.unit import Unit
from mlstrata.governance.acceptance import Acceptance, UnitVerdict, judge
from mlstrata.governance.journal import SCHEMA_VERSION, JournalStore, now
from mlstrata.plan.digest import changes_digest
from mlstrata.spec.load import LoadedSpec

CODE_BLOCKED = "gate.blocked"


@dataclass(frozen=True)
class Reviewed:
    """One unit's reviewed plan: the verdict and every finding (for display)."""

    verdict: UnitVerdict
    findings: tuple[Diagnostic, ...]
    review: Any  # mlstrata.analysis.review.UnitReview


def review_plan_file(unit: Unit, plan_json: Path, plan_sha256: str, spec: LoadedSpec,
                     acceptances: Sequence[Acceptance]) -> tuple[Reviewed | None, list[Diagnostic]]:
    """Review one unit's plan JSON and judge it (ids bound to the plan's changes digest)."""
    from mlstrata.review.gate import review_files

    reviews, problems = review_files([plan_json], spec=spec)
    if problems or not reviews:
        return None, problems
    review = reviews[0]
    verdict = judge(unit.id, plan_sha256, review.findings, acceptances, changes_sha256=changes_digest(plan_json))
    return Reviewed(verdict, tuple(review.findings), review), []


def gate_saved_plans(units: Sequence[Unit], spec: LoadedSpec,
                     acceptances: Sequence[Acceptance]) -> tuple[list[Reviewed], list[Diagnostic]]:
    """Review the saved plan of every unit that has one with changes (the ones `apply` would apply)."""
    out: list[Reviewed] = []
    problems: list[Diagnostic] = []
    for unit in units:
        meta = read_json(unit.work_dir / PLAN_META)
        plan_json = unit.work_dir / PLAN_JSON
        if meta is None or not meta.get("has_changes") or not plan_json.is_file():
            continue  # nothing to apply, or no plan: the engine says so
        reviewed, found = review_plan_file(unit, plan_json, str(meta.get("plan_sha256", "")), spec, acceptances)
        problems += found
        if reviewed is not None:
            out.append(reviewed)
    return out, problems


def blocked_diagnostics(reviewed: Reviewed, proceed: str) -> list[Diagnostic]:
    """One error per blocking finding nobody accepted, each with its id and how to proceed."""
    v = reviewed.verdict
    return [error(f"review gate: {g.id} blocks {v.unit}: {g.finding.summary}", where=g.finding.where,
                  path=g.finding.path, code=CODE_BLOCKED, detail=f"plan {v.binding[:12]}",
                  hint=proceed.format(id=g.id, plan=v.binding[:12], unit=v.unit, env=v.unit.split("/")[0]))
            for g in v.blocking if g.acceptance is None]


@dataclass
class Governance:
    """The engine's hooks: the gate on `up`'s fresh plans, the journal around every change.

    `journals` maps a unit to its journal; `context` is what every entry says about the run (who,
    spec revision, command); `destroy_reason` is the accepted reason of a destroy; `on_review` lets
    the CLI show a fresh plan's review as it happens.
    """

    spec: LoadedSpec
    journals: Callable[[Unit], tuple[JournalStore | None, list[Diagnostic]]]
    context: Mapping[str, Any]
    acceptances: Sequence[Acceptance] = ()
    up_hint: str = ""
    destroy_reason: str = ""
    on_review: Callable[[Reviewed], None] | None = None
    reviewed: dict[str, Reviewed] = field(default_factory=dict)
    carried: dict[tuple[str, str, str, str], tuple[Acceptance, str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- gate (up, rollback) --------------------------------------------------------------------

    def gate(self, unit: Unit, plan: UnitResult) -> Sequence[Diagnostic]:
        meta = read_json(unit.work_dir / PLAN_META) or {}
        if plan.plan_json is None:
            return [error(f"no plan JSON for {unit.id}: cannot review it", path=unit.id, code=CODE_BLOCKED)]
        reviewed, problems = review_plan_file(unit, plan.plan_json, str(meta.get("plan_sha256", "")), self.spec,
                                              self.acceptances)
        if reviewed is None:
            return [error(f"the plan of {unit.id} cannot be reviewed, so it is not applied", path=unit.id,
                          code=CODE_BLOCKED, detail="; ".join(p.summary for p in problems))]
        reviewed = self._carry(reviewed)
        with self._lock:
            self.reviewed[unit.id] = reviewed
        if self.on_review is not None:
            self.on_review(reviewed)
        return blocked_diagnostics(reviewed, self.up_hint)

    # -- journal ---------------------------------------------------------------------------------

    def started(self, unit: Unit, operation: Operation, plan_sha256: str | None) -> tuple[object, list[Diagnostic]]:
        reviewed = self.reviewed.get(unit.id)
        if operation is Operation.APPLY and reviewed is not None and plan_sha256 != reviewed.verdict.plan_sha256:
            return None, [error(f"the saved plan of {unit.id} changed after it was reviewed", path=unit.id,
                                code=CODE_BLOCKED, hint="Run apply again: it reviews the plan it applies.")]
        store, problems = self.journals(unit)
        if store is None:
            return None, [error(f"no journal for {unit.id}, so it is not changed", path=unit.id,
                                code="journal.unavailable", detail="; ".join(p.summary for p in problems))]
        entry: dict[str, Any] = {
            "v": SCHEMA_VERSION, "run": uuid.uuid4().hex, "phase": "started", "at": now(),
            "unit": unit.id, "env": unit.env, "layer": unit.layer,
            "operation": "destroy" if operation is Operation.DESTROY else str(self.context.get("operation", "apply")),
            "command": self.context.get("command"), "who": self.context.get("who"),
            "spec": self.context.get("spec"), "plan_sha256": plan_sha256,
            "changes_sha256": reviewed.verdict.binding if reviewed is not None else None,
            "review": self._review_entry(unit, operation),
        }
        if self.context.get("rollback_to"):
            entry["rollback_to"] = self.context["rollback_to"]
        try:
            store.append(entry)
        except Exception as exc:  # OSError, or the database's error: no record, no change
            return None, [error(f"cannot write the journal of {unit.id} ({store.location}): "
                                f"{type(exc).__name__}: {exc}", path=unit.id, code="journal.write",
                                hint="Nothing was changed. Fix access to the state backend and run again.")]
        return (store, entry, time.monotonic()), [p for p in problems if p.severity is not Severity.ERROR]

    def finished(self, token: object, result: UnitResult) -> list[Diagnostic]:
        if not isinstance(token, tuple):
            return []
        store, started, clock = token
        c = result.counts
        end = {
            "v": SCHEMA_VERSION, "run": started["run"], "at": now(), "unit": started["unit"],
            "phase": "finished" if result.ok else "failed",
            "result": "ok" if result.ok else ("interrupted" if result.status is Status.SKIPPED else "failed"),
            "counts": {"add": c.add, "change": c.change, "destroy": c.destroy} if c is not None else None,
            "terraform_version": result.terraform_version or None,
            "duration_s": round(time.monotonic() - clock, 3),
            "errors": [d.summary[:300] for d in result.diagnostics if d.is_error][:10],
        }
        try:
            store.append(end)
        except Exception as exc:
            return [error(f"{result.unit.id} was changed but the journal could not record the outcome "
                          f"({store.location}): {type(exc).__name__}: {exc}", path=result.unit.id,
                          code="journal.write", hint="`mlstrata history` shows this run as interrupted.")]
        return []

    def _review_entry(self, unit: Unit, operation: Operation) -> dict[str, Any]:
        if operation is Operation.DESTROY:
            return {"verdict": "accepted" if self.destroy_reason else "confirmed", "findings": None,
                    "accepted": [{"what": f"destroy of {unit.id}", "reason": self.destroy_reason}]
                    if self.destroy_reason else []}
        reviewed = self.reviewed.get(unit.id)
        if reviewed is None:  # a saved plan without changes: nothing to review
            return {"verdict": "no changes", "findings": 0, "accepted": []}
        v = reviewed.verdict
        return {"verdict": v.verdict, "findings": v.findings,
                "accepted": [g.to_dict() for g in v.blocking if g.acceptance is not None]}

    def carry_over(self, reviewed: Sequence[Reviewed]) -> None:
        """Accepted findings of reviewed plans that are planned again before they are applied (rollback:
        a layer is re-planned once the layers it reads are applied). A finding of the new plan counts as
        accepted only when the same finding (class, resource, summary) was accepted on the reviewed plan
        of the same unit; anything new blocks."""
        for r in reviewed:
            for g in r.verdict.blocking:
                if g.acceptance is not None:
                    key = (r.verdict.unit, g.finding.code, g.finding.path, g.finding.summary)
                    self.carried[key] = (g.acceptance, f"{g.id} of plan {r.verdict.binding[:12]}")

    def _carry(self, reviewed: Reviewed) -> Reviewed:
        v = reviewed.verdict
        blocking = []
        for g in v.blocking:
            found = self.carried.get((v.unit, g.finding.code, g.finding.path, g.finding.summary))
            if g.acceptance is None and found is not None:
                acceptance, origin = found
                g = dataclasses.replace(g, acceptance=dataclasses.replace(
                    acceptance, source=f"{acceptance.source}, as {origin}"))
            blocking.append(g)
        return dataclasses.replace(reviewed, verdict=dataclasses.replace(v, blocking=tuple(blocking)))

    def remember(self, reviewed: Sequence[Reviewed]) -> None:
        """Verdicts of plans gated before the engine runs (`apply`)."""
        for r in reviewed:
            self.reviewed[r.verdict.unit] = r
