"""How each command shows its result: the VIEWS registry (command -> output formats) and the shared writers.

Shared writers over a `Report` of findings: `human`, `json_report`, `markdown`, `sarif`, `junit`. One
view module per command on top of them (`check`, `review`, `drift`, `parity`, `cost`). Each view
returns text (the human views print with rich). Output is deterministic: findings in file/line/rule
order, keys sorted, no timestamps.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from mlstrata.diagnostics import Diagnostic, Severity
from mlstrata.rules.base import SEVERITY_ORDER, RuleInfo, at_least

FORMATS = ("human", "json", "markdown", "sarif", "junit")
FAIL_ON = ("error", "warning", "info", "never")

# command -> the --format values it offers (the first is the default); commands not listed: human, json
VIEWS: dict[str, tuple[str, ...]] = {
    "check": FORMATS,
    "review": FORMATS,
    "drift": ("human", "json", "markdown", "sarif"),
    "parity": ("human", "json", "html", "markdown"),
    "cost": ("human", "json", "markdown"),
    "history": ("human", "json", "markdown"),
}
PLAIN = ("human", "json")


def formats_of(command: str) -> tuple[str, ...]:
    """The output formats `command` offers."""
    return VIEWS.get(command, PLAIN)


def unknown_format(command: str, fmt: str) -> Diagnostic | None:
    """The usage error for a --format that `command` does not offer; None when it does."""
    allowed = formats_of(command)
    if fmt in allowed:
        return None
    return Diagnostic(Severity.ERROR, f"unknown format `{fmt}` for `mlstrata {command}`", code="cli.usage",
                      hint=f"--format: one of {', '.join(allowed)}")


@dataclass(frozen=True)
class Suppressed:
    finding: Diagnostic
    reason: str
    where: str


@dataclass(frozen=True)
class Report:
    """Findings of one command run and what is needed to explain them."""

    command: str
    findings: list[Diagnostic]
    rules: Mapping[str, RuleInfo]
    fail_on: str = "error"
    stats: Mapping[str, int] = field(default_factory=dict)
    suppressed: list[Suppressed] = field(default_factory=list)

    @property
    def failing(self) -> list[Diagnostic]:
        """Findings at or above the --fail-on threshold."""
        if self.fail_on == "never":
            return []
        threshold = Severity(self.fail_on)
        return [d for d in self.findings if at_least(d.severity, threshold)]

    @property
    def failed(self) -> bool:
        return bool(self.failing)

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in sorted(SEVERITY_ORDER, key=SEVERITY_ORDER.__getitem__, reverse=True)}
        for d in self.findings:
            out[d.severity.value] += 1
        return out

    def label(self, severity: str) -> str:
        """What a severity is called in this command's output: the review gate's errors are what
        `--fail-on blocking` blocks on, so `review` calls them blocking."""
        return "blocking" if self.command == "review" and severity == "error" else severity

    def counts_text(self) -> str:
        parts = []
        for sev, n in self.counts().items():
            name = self.label(sev)
            parts.append(f"{n} {name}{'s' if n != 1 and name not in ('info', 'blocking') else ''}")
        return ", ".join(parts)


def unit_of(d: Diagnostic) -> str:
    """The unit a finding belongs to: `extra["unit"]` when set, else the directory of its file."""
    if "unit" in d.extra:
        return d.extra["unit"]
    if d.where is None:
        return "(tree)"
    return os.path.dirname(d.where.file) or "."
