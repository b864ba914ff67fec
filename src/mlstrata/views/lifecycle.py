"""The views of `plan`, `apply`, `destroy`, `status`, `output` and `up`: run summaries (human or JSON),
outputs, and what exists per environment after `up`."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence

from rich.console import Console
from rich.table import Table

from mlstrata.engine import RunReport
from mlstrata.targets.local.outputs import SUMMARY_COLUMNS, registry_uis, summary_row


def report_json(report: RunReport, extra: Mapping[str, object] | None = None) -> str:
    """A run as JSON (with `extra` keys, e.g. the review's findings)."""
    payload = report.to_dict()
    if extra:
        payload.update(extra)
    return json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n"


def show_outputs(report: RunReport, console: Console, write: Callable[[str], object]) -> None:
    """A rule per unit on `console`, then `<unit>: name = value` per output through `write` (stdout);
    sensitive values hidden."""
    for result in report.results:
        console.rule(result.unit.id)
        if result.ok and not result.outputs:  # a bare rule read as if something failed to print
            console.print("[dim]no outputs: not applied yet (or destroyed)[/]")
        for value in result.outputs:
            shown = "(sensitive)" if value.sensitive and value.value is None else json.dumps(value.value)
            write(f"{result.unit.id}: {value.name} = {shown}\n")


def show_platform_summary(report: RunReport, env_order: Sequence[str], console: Console) -> None:
    """What exists per environment (from the units' outputs), then how to open each registry's UI."""
    per_env: dict[str, dict[str, object]] = {e: {} for e in env_order if any(r.unit.env == e for r in report.results)}
    for result in report.results:
        per_env.setdefault(result.unit.env, {}).update({v.name: v.value for v in result.outputs})
    if not any(per_env.values()):
        return
    table = Table(title="what exists now", show_lines=False)
    for column in SUMMARY_COLUMNS:
        table.add_column(column, overflow="fold")
    for env, values in per_env.items():
        table.add_row(*summary_row(env, values))
    console.print(table)
    for ui in registry_uis(per_env):
        console.print(f"[bold]MLflow UI of {ui.env}[/] (log in as admin; password in {ui.admin_password_file}):")
        console.print(f"  {ui.command}", soft_wrap=True, highlight=False)
    console.print("[dim]All outputs: `mlstrata output`; passwords stay in their 0600 files.[/]")
