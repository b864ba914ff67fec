"""`mlstrata drift`: what changed outside Terraform, in every selected unit, read-only.

Exit codes follow Terraform's `-detailed-exitcode`: 0 no (unallowed) drift, 2 drift, 1 error (bad
input included, so that 2 always means drift).
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from mlstrata.cli.common import SpecOption
from mlstrata.cli.output import err_console, out_console, show_diagnostics
from mlstrata.diagnostics import Diagnostic, DiagnosticsError, Severity, error
from mlstrata.drift.history import append_history, read_history, utc_now
from mlstrata.drift.report import DriftReport, analyze, record_of
from mlstrata.engine import Engine, EngineSettings, RunReport, refresh_all, select_runner
from mlstrata.engine.progress import ProgressView
from mlstrata.spec.load import LoadedSpec, load_spec
from mlstrata.targets import TARGETS
from mlstrata.views.drift import human_table, render_json, render_markdown, render_sarif, unit_table
from mlstrata.workspace import Workspace, default_repo, open_workspace

FORMATS = ("human", "json", "markdown", "sarif")
EXIT_NONE, EXIT_ERROR, EXIT_DRIFT = 0, 1, 2

EnvOption = typer.Option(None, "--env", "-e", help="Environment(s) to check (repeat); default: all.")
LayerOption = typer.Option(None, "--layer", "-l", help="Layer(s): base, platform (repeat); default: both.")
RepoOption = typer.Option(None, "--out", "-o", help="The rendered repository [default: infra/ beside the spec].")
TerraformOption = typer.Option(None, "--terraform", help="A terraform/tofu binary instead of the embedded "
                               "Terraform (also $MLSTRATA_TERRAFORM).")
ParallelOption = typer.Option(6, "--parallel", min=1, max=16, help="Units refreshed at the same time.")
LockTimeoutOption = typer.Option("30s", "--lock-timeout", help="How long to wait for a state lock.")
FormatOption = typer.Option("human", "--format", help="Output format: human, json, markdown or sarif.")


def fail(diagnostics: list[Diagnostic], fmt: str, code: int = EXIT_ERROR) -> typer.Exit:
    """Show diagnostics (as JSON on stdout for --format json) and give the exit to raise."""
    show_diagnostics(diagnostics, "json" if fmt == "json" else "human")
    return typer.Exit(code)


def open_for_analysis(spec: Path, repo: Path | None, envs: list[str] | None, layers: list[str] | None,
                      fmt: str, code: int = EXIT_ERROR) -> Workspace:
    """Load the spec and open the rendered repository; on bad input exit with `code`."""
    try:
        loaded: LoadedSpec = load_spec(spec, targets=TARGETS)
    except DiagnosticsError as exc:
        raise fail(exc.diagnostics, fmt, code) from None
    ws, diagnostics = open_workspace(loaded, repo or default_repo(spec), envs, layers)
    if ws is None:
        raise fail(diagnostics, fmt, code)
    if not ws.units:
        raise fail([error("no units selected", hint="Check --env/--layer and run `mlstrata render`.",
                          code="cli.no_units")], fmt, code)
    return ws


def refresh(ws: Workspace, terraform: str | None, parallel: int, lock_timeout: str, progress: bool,
            code: int = EXIT_ERROR, *, json_when_clean: bool = True) -> RunReport:
    """Refresh-only plans of every unit of `ws` (read-only), `parallel` at a time; with
    `json_when_clean=False` units without drift skip `show -json` (drift needs nothing from them)."""
    runner, diagnostics = select_runner(terraform)
    if runner is None:
        raise fail(diagnostics, "human", code)
    settings = EngineSettings(lock_timeout=lock_timeout, parallelism=parallel,
                              cli_config_blocks=ws.cli_config_blocks, plugin_cache=not ws.cli_config_blocks)
    if not progress:
        with Engine(runner, settings) as engine:
            return refresh_all(engine, ws.units, json_when_clean=json_when_clean)
    with ProgressView(err_console) as view, Engine(runner, settings, on_event=view) as engine:
        return refresh_all(engine, ws.units, json_when_clean=json_when_clean)


def check_drift(ws: Workspace, run: RunReport, now: str | None = None) -> DriftReport:
    """Analyse a refresh report against the spec and the history, then append this run to the history."""
    now = now or utc_now()
    history, history_diags = read_history(ws.repo)
    report = analyze(run, ws.spec.platform.drift.allow, history, now)
    if history_diags:
        report = DriftReport(report.units, report.resources, report.diagnostics + tuple(history_diags))
    try:
        append_history(ws.repo, record_of(report, now))
    except OSError as exc:
        failed = Diagnostic(Severity.WARNING, "could not append to the drift history", detail=str(exc),
                            code="drift.history")
        report = DriftReport(report.units, report.resources, (*report.diagnostics, failed))
    return report


def _show_human(report: DriftReport) -> None:
    out_console.print(unit_table(report))
    if report.resources:
        out_console.print(human_table(report))
    else:
        out_console.print("[green]no drift[/]: every checked resource matches the state")
    shown = [d for d in report.all_diagnostics() if not (d.severity is Severity.WARNING
                                                         and d.summary.startswith("Incomplete lock file"))]
    show_diagnostics(shown)
    if report.unallowed:
        err_console.print("[dim]hint:[/] revert with `mlstrata plan` + `mlstrata apply`, or declare expected "
                          "drift in the spec's drift.allow with a reason")


def drift(spec: Path = SpecOption, env: list[str] = EnvOption, layer: list[str] = LayerOption,
          out: Path | None = RepoOption, terraform: str | None = TerraformOption, parallel: int = ParallelOption,
          lock_timeout: str = LockTimeoutOption, fmt: str = FormatOption) -> None:
    """Find what changed outside Terraform: a refresh-only plan per unit (never writes state, never
    applies), each drifted resource with its category and attribute-level before -> after, allowed drift
    (the spec's drift.allow) shown as allowed, and since when (.mlstrata/drift-history.jsonl).
    Exit 0 no drift, 2 drift, 1 error."""
    if fmt not in FORMATS:
        raise fail([error(f"unknown --format {fmt!r}", hint=f"use one of: {', '.join(FORMATS)}",
                          code="cli.usage")], fmt)
    ws = open_for_analysis(spec, out, env, layer, fmt)
    run = refresh(ws, terraform, parallel, lock_timeout, progress=fmt == "human", json_when_clean=False)
    report = check_drift(ws, run)
    if fmt == "human":
        _show_human(report)
    else:
        render = {"json": render_json, "markdown": render_markdown, "sarif": render_sarif}[fmt]
        sys.stdout.write(render(report))
    raise typer.Exit(report.exit_code)


def register(app: typer.Typer) -> None:
    app.command("drift")(drift)
