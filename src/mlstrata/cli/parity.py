"""`mlstrata parity`: how environments differ (spec, rendered config, real resources), and whether the
spec means it. Exit 0 at parity, 1 on unallowed differences or errors."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from mlstrata.cli.common import SpecOption
from mlstrata.cli.drift import (
    LockTimeoutOption,
    ParallelOption,
    RepoOption,
    TerraformOption,
    fail,
    open_for_analysis,
    refresh,
)
from mlstrata.cli.output import err_console, out_console, show_diagnostics
from mlstrata.diagnostics import Diagnostic, Severity, error, has_errors
from mlstrata.engine import Engine, EngineSettings, select_runner, show_state_all
from mlstrata.parity.levels import parity_report
from mlstrata.parity.state import states_from_refresh, states_from_show
from mlstrata.spec.resolve import resolve
from mlstrata.views.parity import (
    differences_table,
    matrix_table,
    render_html,
    render_json,
    verdict,
    write_png,
)
from mlstrata.workspace import Workspace

FORMATS = ("human", "json", "html")
EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2

EnvsOption = typer.Option(None, "--envs", help="Comma-separated environments to compare, e.g. staging,prod "
                          "[default: all, in spec order]; the last one is the reference.")
StateOption = typer.Option("refresh", "--state", help="Real resources: `refresh` (refresh-only plans, read-only: "
                           "what exists now), `saved` (terraform show -json of the state) or `none`.")
HtmlOption = typer.Option(None, "--html", help="Also write the HTML report to this file.", dir_okay=False)
PngOption = typer.Option(None, "--png", help="Also write the matrix as a PNG image to this file.", dir_okay=False)
FormatOption = typer.Option("human", "--format", help="Output format: human, json or html.")


def _states(ws: Workspace, how: str, terraform: str | None, parallel: int, lock_timeout: str,
            progress: bool) -> tuple[dict[str, dict[str, Any]] | None, list[Diagnostic]]:
    if how == "none":
        return None, []
    if how == "refresh":
        return states_from_refresh(refresh(ws, terraform, parallel, lock_timeout, progress))
    runner, diagnostics = select_runner(terraform)
    if runner is None:
        return None, diagnostics
    settings = EngineSettings(lock_timeout=lock_timeout, parallelism=parallel,
                              cli_config_blocks=ws.cli_config_blocks, plugin_cache=not ws.cli_config_blocks)
    with Engine(runner, settings) as engine:
        return states_from_show(ws.units, show_state_all(engine, ws.units))


def parity(spec: Path = SpecOption, envs: str | None = EnvsOption, state: str = StateOption,
           out: Path | None = RepoOption, terraform: str | None = TerraformOption, parallel: int = ParallelOption,
           lock_timeout: str = LockTimeoutOption, html: Path | None = HtmlOption, png: Path | None = PngOption,
           fmt: str = FormatOption) -> None:
    """Compare environments at three levels — the resolved spec (after overrides), the rendered
    configuration, and the real resources — and report what exists in one and not another and which
    attributes differ. Differences matching the spec's parity.allow are shown as allowed; settings the spec
    declares per environment as declared. Exit 0 no unallowed difference, 1 any other difference (or a
    unit that could not be read), 2 bad input (spec, options, environments)."""
    if fmt not in FORMATS or state not in ("refresh", "saved", "none"):
        raise fail([error(f"unknown --format {fmt!r} or --state {state!r}",
                          hint=f"--format: {', '.join(FORMATS)}; --state: refresh, saved, none",
                          code="cli.usage")], fmt, EXIT_BAD_INPUT)
    chosen = [e.strip() for e in envs.split(",") if e.strip()] if envs else None
    ws = open_for_analysis(spec, out, chosen, None, fmt, EXIT_BAD_INPUT)
    platform = ws.spec.platform
    names = chosen or list(platform.environments)
    if len(names) < 2:
        raise fail([error("parity needs at least two environments", hint="e.g. --envs staging,prod",
                          code="cli.usage")], fmt, EXIT_BAD_INPUT)
    states, diagnostics = _states(ws, state, terraform, parallel, lock_timeout, progress=fmt == "human")
    report = parity_report(platform, resolve(platform, ws.spec.source.data), names, ws.repo, states, diagnostics)
    if html is not None:
        html.write_text(render_html(report), encoding="utf-8")
    if png is not None:
        write_png(report, png)
    if fmt == "json":
        sys.stdout.write(render_json(report))
    elif fmt == "html":
        sys.stdout.write(render_html(report))
    else:
        out_console.print(matrix_table(report))
        if report.findings or any(d.status == "allowed" for d in report.differences):
            out_console.print(differences_table(report))
        out_console.print(("[bold red]" if report.findings else "[green]") + verdict(report) + "[/]")
        show_diagnostics([d for d in report.diagnostics if d.severity is not Severity.WARNING
                          or not d.summary.startswith("Incomplete lock file")])
        if report.findings:
            err_console.print("[dim]hint:[/] make the environments match, or declare the difference in the "
                              "spec's parity.allow (e.g. gpu_pools.*.scaling)")
    failed = has_errors(report.diagnostics)
    raise typer.Exit(EXIT_FINDINGS if report.findings or failed else EXIT_OK)


def register(app: typer.Typer) -> None:
    app.command("parity")(parity)
