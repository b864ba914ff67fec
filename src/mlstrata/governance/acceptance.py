"""Accepting blocking review findings: per finding, with a reason, bound to one saved plan.

A finding's id (`MLR001-3fa2b1c9`) is its risk class plus a digest of what the plan does (its changes
digest: every resource change with its before and after values), the unit, the resource address and the
summary: a plan that does anything else has other ids, so an acceptance never carries over to a change
nobody reviewed. A plan made again of the same change against the same state has the same digest (its file
hash differs: Terraform stamps each plan), so an acceptance committed after a pull request's plan still
holds for the plan CI makes of the merged commit. Acceptances come from the command line
(`--accept ID --reason TEXT`) or from a file a reviewer commits:

    accept:
      - finding: MLR001-3fa2b1c9
        plan: 5e2c0d7a9b1f        # the plan's changes digest, as a blocked apply prints it (12+ hex digits)
        reason: "recommender is retired; its versions are archived in s3://…"
        by: alice                 # optional; the journal also records who ran the apply
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from mlstrata.diagnostics import Diagnostic, DiagnosticsError, Severity, Where, error, warning
from mlstrata.spec.source import read_yaml

FINDING_ID = re.compile(r"^MLR\d{3}-[0-9a-f]{8}$")
_HEX = re.compile(r"^[0-9a-f]{12,64}$")
MIN_PLAN_PREFIX = 12


def finding_id(binding: str, unit: str, finding: Diagnostic) -> str:
    """The id of one finding of one plan (`binding`: the plan's changes digest)."""
    key = "\0".join((binding, unit, finding.code, finding.path, finding.summary))
    return f"{finding.code}-{hashlib.sha256(key.encode()).hexdigest()[:8]}"


@dataclass(frozen=True)
class Acceptance:
    """One finding accepted, and why. `plan` is empty for command-line acceptances (the id binds them)."""

    finding: str
    reason: str
    plan: str = ""
    by: str = ""
    source: str = "command line"  # or file:line

    def to_dict(self) -> dict[str, str]:
        data = {"finding": self.finding, "reason": self.reason, "source": self.source}
        if self.plan:
            data["plan"] = self.plan
        if self.by:
            data["by"] = self.by
        return data


@dataclass(frozen=True)
class GatedFinding:
    """A blocking finding with its id, and its acceptance if there is one."""

    id: str
    finding: Diagnostic
    acceptance: Acceptance | None = None

    def to_dict(self, *, full: bool = False) -> dict[str, object]:
        """The journal's record of it; `full` adds where, why and how to fix (a blocked apply's report)."""
        data: dict[str, object] = {"id": self.id, "code": self.finding.code, "address": self.finding.path,
                                   "summary": self.finding.summary}
        if full:
            f = self.finding
            data.update({"where": str(f.where) if f.where else None, "detail": f.detail, "hint": f.hint})
        if self.acceptance is not None:
            data["reason"] = self.acceptance.reason
            data["accepted_in"] = self.acceptance.source
            if self.acceptance.by:
                data["accepted_by"] = self.acceptance.by
        return data


@dataclass(frozen=True)
class UnitVerdict:
    """The gate's answer for one unit's plan."""

    unit: str
    plan_sha256: str  # the saved plan file's hash: what apply checks it applies
    findings: int  # all review findings of the plan
    blocking: tuple[GatedFinding, ...] = ()
    changes_sha256: str = ""  # what the plan does (`changes_digest`); finding ids and acceptances bind to it

    @property
    def binding(self) -> str:
        """What finding ids and acceptances are bound to: the plan's changes, else its file."""
        return self.changes_sha256 or self.plan_sha256

    @property
    def blocked(self) -> bool:
        return any(g.acceptance is None for g in self.blocking)

    @property
    def verdict(self) -> str:
        if self.blocked:
            return "blocked"
        return "accepted" if self.blocking else "clean"

    def to_dict(self, *, full: bool = False) -> dict[str, object]:
        return {"unit": self.unit, "plan_sha256": self.plan_sha256, "changes_sha256": self.binding,
                "verdict": self.verdict,
                "findings": self.findings, "blocking": [g.to_dict(full=full) for g in self.blocking]}


def from_command_line(ids: Sequence[str], reason: str | None) -> tuple[list[Acceptance], list[Diagnostic]]:
    """`--accept ID` (repeatable) with one `--reason`; a missing reason or a malformed id is an error."""
    if not ids:
        if reason:
            return [], [error("--reason without --accept", hint="Name the finding ids it explains: "
                              "--accept MLR001-xxxxxxxx --reason \"...\".", code="gate.reason_alone")]
        return [], []
    problems = [error(f"`{i}` is not a finding id", hint="Ids look like MLR001-3fa2b1c9; `mlstrata plan` "
                      "and a blocked apply list them.", code="gate.bad_id") for i in ids if not FINDING_ID.match(i)]
    if not (reason or "").strip():
        problems.append(error("--accept needs --reason", hint="Say why the change is intended: "
                              "--reason \"model retired, versions archived to ...\"; the journal keeps it.",
                              code="gate.no_reason"))
    if problems:
        return [], problems
    return [Acceptance(i, (reason or "").strip()) for i in ids], []


def load_file(path: Path) -> tuple[list[Acceptance], list[Diagnostic]]:
    """Read an acceptance file; every problem is reported at its file:line."""
    try:
        source = read_yaml(path)
    except DiagnosticsError as exc:
        return [], [*exc.diagnostics]
    data = source.data
    if not isinstance(data, dict) or not isinstance(data.get("accept"), list):
        return [], [error("an acceptance file holds a list under `accept:`", where=Where(str(path), 1, 1),
                          hint="accept:\n  - finding: MLR001-xxxxxxxx\n    plan: <sha256>\n    reason: \"...\"",
                          code="gate.accept_file")]
    out: list[Acceptance] = []
    problems: list[Diagnostic] = []
    for i, item in enumerate(data["accept"]):
        where = source.where(("accept", i))
        if not isinstance(item, dict):
            problems.append(error("each entry is a mapping with finding, plan and reason", where=where,
                                  code="gate.accept_file"))
            continue
        unknown = sorted(set(item) - {"finding", "plan", "reason", "by"})
        finding, plan, reason = (str(item.get(k) or "").strip() for k in ("finding", "plan", "reason"))
        wrong = []
        if unknown:
            wrong.append(f"unknown key(s) {', '.join(unknown)}")
        if not FINDING_ID.match(finding):
            wrong.append("`finding` is not a finding id (MLR001-3fa2b1c9)")
        if not isinstance(item.get("plan"), str):
            wrong.append("`plan` must be a quoted string (YAML reads an unquoted hash of digits as a number)")
        elif not _HEX.match(plan):
            wrong.append(f"`plan` is not a plan sha256 (at least {MIN_PLAN_PREFIX} lowercase hex digits)")
        if not reason:
            wrong.append("`reason` is empty")
        if wrong:
            problems.append(error("; ".join(wrong), where=where, path=f"accept[{i}]", code="gate.accept_file",
                                  hint="Copy the id and plan hash a blocked `mlstrata apply` prints."))
            continue
        out.append(Acceptance(finding, reason, plan, str(item.get("by") or "").strip(), f"{where}"))
    return out, problems


def judge(unit: str, plan_sha256: str, findings: Iterable[Diagnostic], acceptances: Sequence[Acceptance],
          *, changes_sha256: str = "") -> UnitVerdict:
    """Match acceptances to the blocking (error) findings of one plan: ids and acceptances are bound to
    `changes_sha256` (what the plan does) when given, else to the plan file's hash."""
    all_findings = list(findings)
    binding = changes_sha256 or plan_sha256
    by_id = {a.finding: a for a in acceptances if not a.plan or binding.startswith(a.plan)}
    gated = []
    for f in all_findings:
        if f.severity is Severity.ERROR:
            fid = finding_id(binding, unit, f)
            gated.append(GatedFinding(fid, f, by_id.get(fid)))
    return UnitVerdict(unit, plan_sha256, len(all_findings), tuple(gated), changes_sha256)


def unused(acceptances: Sequence[Acceptance], verdicts: Sequence[UnitVerdict]) -> list[Diagnostic]:
    """Acceptances that match no blocking finding of the selected plans. From the command line that
    is an error (a typo, or an id of an older plan); from a file, a warning that says why it is void."""
    used = {(g.acceptance.finding, g.acceptance.source) for v in verdicts for g in v.blocking
            if g.acceptance is not None}
    saved = ", ".join(f"{v.unit} {v.binding[:12]}" for v in verdicts) or "none"
    out = []
    for a in acceptances:
        if (a.finding, a.source) in used:
            continue
        if not a.plan:
            out.append(error(f"no blocking finding {a.finding} in the saved plans", code="gate.unknown_id",
                             hint="Finding ids change with every plan: copy them from the latest `mlstrata plan` "
                                  "(or the blocked apply) of the environments you selected."))
            continue
        owner = next((v for v in verdicts if v.binding.startswith(a.plan)), None)
        why = (f"plan {a.plan[:12]} of {owner.unit} has no blocking finding {a.finding}" if owner is not None
               else f"it is for plan {a.plan[:12]}, which is no saved plan of the selected units (saved: {saved})")
        out.append(warning(f"acceptance of {a.finding} is void: {why}", detail=f"from {a.source}",
                           code="gate.void", hint="An acceptance holds only for the plan it was written for: "
                           "review the new plan and accept its findings."))
    return out
