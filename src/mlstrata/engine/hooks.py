"""What the engine asks before and after it changes a unit, so that governance (the review gate,
the journal) can sit around every apply and destroy without the engine knowing about either.

`gate` runs on a fresh plan inside `up` (plan and apply in one step): blocking diagnostics stop the
apply. `started` runs just before Terraform changes the unit: an error stops the change (no change
without a record). `finished` runs after, whatever the outcome; its diagnostics are added to the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from mlstrata.diagnostics import Diagnostic
from mlstrata.engine.results import Operation, UnitResult
from mlstrata.engine.unit import Unit


class ChangeHooks(Protocol):
    def gate(self, unit: Unit, plan: UnitResult) -> Sequence[Diagnostic]:
        """Blocking diagnostics for a plan that `up` is about to apply; empty to go on."""
        ...

    def started(self, unit: Unit, operation: Operation, plan_sha256: str | None) -> tuple[object, list[Diagnostic]]:
        """Called before Terraform changes `unit`; returns a token for `finished` and diagnostics
        (an error refuses the change)."""
        ...

    def finished(self, token: object, result: UnitResult) -> list[Diagnostic]:
        """Called after the change with its result."""
        ...
