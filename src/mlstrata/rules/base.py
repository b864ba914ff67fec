"""The Rule protocol: what every guardrail declares (id, severity, docs) and how it reports findings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from mlstrata.diagnostics import Diagnostic, Severity, Where

if TYPE_CHECKING:
    from mlstrata.rules.context import ModuleContext, TreeFacts

FAMILIES = ("gpu", "cluster", "storage", "identity", "secrets", "state", "modules", "protection", "meta")


@dataclass(frozen=True)
class RuleInfo:
    """A rule's identity and documentation: `mlstrata rules ID` prints `docs`."""

    id: str
    name: str
    family: str
    severity: Severity
    title: str
    docs: str
    hint: str

    def finding(
        self,
        where: Where | None,
        summary: str,
        *,
        detail: str = "",
        path: str = "",
        severity: Severity | None = None,
        hint: str = "",
    ) -> Diagnostic:
        """A finding of this rule (its default severity and hint unless given)."""
        return Diagnostic(
            severity or self.severity,
            summary,
            detail=detail,
            where=where,
            path=path,
            hint=hint or self.hint,
            code=self.id,
        )


class Rule(Protocol):
    """A guardrail. `check` sees one module at a time; `check_tree` sees the facts of every module."""

    info: RuleInfo

    def check(self, ctx: ModuleContext) -> Iterable[Diagnostic]: ...

    def check_tree(self, tree: TreeFacts) -> Iterable[Diagnostic]: ...


class ModuleRule:
    """Base for rules that only look inside modules."""

    info: RuleInfo

    def check(self, ctx: ModuleContext) -> Iterable[Diagnostic]:
        return ()

    def check_tree(self, tree: TreeFacts) -> Iterable[Diagnostic]:
        return ()


SEVERITY_ORDER = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


def at_least(severity: Severity, threshold: Severity) -> bool:
    """True when `severity` is `threshold` or worse."""
    return SEVERITY_ORDER[severity] >= SEVERITY_ORDER[threshold]
