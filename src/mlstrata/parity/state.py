"""Real resources per environment for parity: from refresh-only plans (what exists now) or from
`terraform show -json` of each unit's state (what Terraform last recorded; no provider runs).
Terraform itself runs in the engine (`refresh_all`, `show_state_all`); this reads what it returned."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mlstrata.diagnostics import Diagnostic, Severity
from mlstrata.engine import RunReport, Unit
from mlstrata.engine.operations import reads_unapplied_state
from mlstrata.engine.queries import StateDoc
from mlstrata.parity.levels import read_state_doc, state_values
from mlstrata.plan.state import holds_resources


def states_from_show(units: Sequence[Unit], docs: Sequence[StateDoc],
                     ) -> tuple[dict[str, dict[str, Any]], list[Diagnostic]]:
    """env -> flat state values, from `terraform show -json` of every unit's state
    (`mlstrata.engine.show_state_all`)."""
    return _collect(units, docs)


def states_from_refresh(report: RunReport) -> tuple[dict[str, dict[str, Any]], list[Diagnostic]]:
    """env -> flat state values, from the refreshed objects of every unit's refresh-only plan."""
    docs: list[tuple[dict[str, Any] | None, list[Diagnostic]]] = []
    for result in report.results:
        if not result.ok and reads_unapplied_state(result.diagnostics):
            docs.append((NOT_APPLIED, []))  # it reads a unit with no state (or outputs) yet: it has none either
        elif not result.ok or result.plan_json is None:
            docs.append((None, list(result.diagnostics)))
        else:
            doc, diags = read_state_doc(result.plan_json)
            docs.append((doc, [*result.diagnostics, *diags]))
    return _collect([r.unit for r in report.results], docs)


NOT_APPLIED: dict[str, Any] = {}  # a marker: the unit has no state yet


def _collect(units: Sequence[Unit], docs: Sequence[tuple[dict[str, Any] | None, list[Diagnostic]]],
             ) -> tuple[dict[str, dict[str, Any]], list[Diagnostic]]:
    per_env: dict[str, dict[str, Any]] = {u.env: {} for u in units}
    diags: list[Diagnostic] = []
    failed_layers: set[str] = set()
    for unit, (doc, found) in zip(units, docs, strict=True):
        diags += found
        if doc is NOT_APPLIED or (doc is not None and not holds_resources(doc)):
            failed_layers.add(unit.layer)
            diags.append(Diagnostic(Severity.INFO, "not applied yet: this layer is left out of the state comparison",
                                    path=unit.id, code="parity.not_applied",
                                    hint=f"`mlstrata apply --env {unit.env}` (or `up`) creates it"))
            continue
        if doc is None:
            failed_layers.add(unit.layer)
            diags.append(Diagnostic(Severity.ERROR, f"no state for {unit.id}: its resources were not compared",
                                    path=unit.id, code="parity.state",
                                    hint="fix the error above; this layer was left out of the state comparison"))
            continue
        per_env[unit.env].update(state_values(doc, unit.layer, unit.env))
    # a layer missing in one environment would look like every resource being absent there: skip it
    for values in per_env.values():
        for key in [k for k in values if k.split(":", 1)[0] in failed_layers]:
            del values[key]
    return per_env, diags
