"""Reports of findings in every output format (human, JSON, Markdown, SARIF 2.1.0, JUnit XML).

Shared by the commands that produce findings (`check`, and `review` later): each view takes a
`Report` and returns text (the human view prints with rich). Output is deterministic: findings in
file/line/rule order, keys sorted, no timestamps.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from mlstrata.diagnostics import Diagnostic, Severity
from mlstrata.rules.base import SEVERITY_ORDER, RuleInfo, at_least

FORMATS = ("human", "json", "markdown", "sarif", "junit")
FAIL_ON = ("error", "warning", "info", "never")


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

    def counts_text(self) -> str:
        parts = [f"{n} {sev}{'s' if n != 1 and sev != 'info' else ''}" for sev, n in self.counts().items()]
        return ", ".join(parts)


def unit_of(d: Diagnostic) -> str:
    """The unit a finding belongs to: `extra["unit"]` when set, else the directory of its file."""
    if "unit" in d.extra:
        return d.extra["unit"]
    if d.where is None:
        return "(tree)"
    return os.path.dirname(d.where.file) or "."
