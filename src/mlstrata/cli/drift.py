"""`mlstrata drift`: what changed outside Terraform, in every selected unit, read-only.

Exit codes follow Terraform's `-detailed-exitcode`: 0 no (unallowed) drift, 2 drift, 1 error (bad
input included, so that 2 always means drift).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import typer

from mlstrata.cli.common import (
    EnvOption,
    LayerOption,
    RepoOption,
    SpecOption,
    TerraformOption,
    bad_format,
    command,
    format_option,
)
from mlstrata.cli.output import err_console, out_console, show_diagnostics
from mlstrata.cli.units import LockTimeoutOption, ParallelOption, open_repo, run_engine, shown
from mlstrata.diagnostics import Diagnostic
from mlstrata.drift.report import DriftedResource, DriftReport, check_drift
from mlstrata.drift.unmanaged import unmanaged_resources
from mlstrata.engine import Engine, RunReport, Unit, refresh_all
from mlstrata.views.drift import human_table, render_json, render_markdown, render_sarif, unit_table

EXIT_ERROR = 1


def _show_human(report: DriftReport) -> None:
    out_console().print(unit_table(report))
    if report.resources:
        out_console().print(human_table(report))
    else:
        out_console().print("[green]no drift[/]: every checked resource matches the state")
    show_diagnostics(shown(report.all_diagnostics()))
    if any(not r.unmanaged for r in report.unallowed):
        err_console().print("[dim]hint:[/] revert with `mlstrata plan` + `mlstrata apply`, or declare expected "
                          "drift in the spec's drift.allow with a reason")
    if any(r.unmanaged for r in report.unallowed):
        err_console().print("[dim]hint:[/] an unmanaged object is in no state: import it (declare it in the spec, "
                          "then `terraform import`) or delete it; each row says how")


def drift(spec: Path = SpecOption, env: list[str] = EnvOption, layer: list[str] = LayerOption,
          out: Path | None = RepoOption, terraform: str | None = TerraformOption, parallel: int = ParallelOption,
          lock_timeout: str = LockTimeoutOption, fmt: str = format_option("drift")) -> int:
    """Find what changed outside Terraform: a refresh-only plan per unit (never writes state, never
    applies), each drifted resource with its category and attribute-level before -> after, allowed drift
    (the spec's drift.allow) shown as allowed, and since when (.mlstrata/drift-history.jsonl).
    Exit 0 no drift, 2 drift, 1 error."""
    if bad_format("drift", fmt):
        return EXIT_ERROR
    ws = open_repo(spec, out, env, layer, fmt, show_warnings=False)
    found: list[DriftedResource] = []
    problems: list[Diagnostic] = []

    def refresh(engine: Engine, units: Sequence[Unit]) -> RunReport:
        run = refresh_all(engine, units, json_when_clean=False)
        if ws is not None:
            objects, diagnostics = unmanaged_resources(engine, ws.repo, units, ws.profile.target)
            found.extend(objects)
            problems.extend(diagnostics)
        return run

    run = None if ws is None else run_engine(ws, refresh, terraform, parallel, lock_timeout, fmt)
    if ws is None or run is None:
        return EXIT_ERROR
    report = check_drift(ws.repo, ws.profile.drift_allow, run, unmanaged=found)  # from the stamp: no spec load
    if problems:
        report = DriftReport(report.units, report.resources, (*report.diagnostics, *problems))
    if fmt == "human":
        _show_human(report)
    else:
        render = {"json": render_json, "markdown": render_markdown, "sarif": render_sarif}[fmt]
        sys.stdout.write(render(report))
    return report.exit_code


def register(app: typer.Typer) -> None:
    app.command("drift")(command(drift))
