"""`mlstrata parity`: how environments differ (spec, rendered config, real resources), and whether the
spec means it. Exit 0 at parity, 1 on unallowed differences or errors, 2 bad input."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from mlstrata.cli.common import RepoOption, SpecOption, TerraformOption, bad_format, command, format_option, usage_error
from mlstrata.cli.output import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, err_console, out_console, show_diagnostics
from mlstrata.cli.units import LockTimeoutOption, ParallelOption, open_repo, run_engine, shown
from mlstrata.diagnostics import Diagnostic, has_errors
from mlstrata.engine import discard_refresh_files, refresh_all, show_state_all
from mlstrata.parity.levels import parity_report
from mlstrata.parity.state import states_from_refresh, states_from_show
from mlstrata.spec.resolve import resolve
from mlstrata.userfiles import check_writable, write_user_file
from mlstrata.views.parity import (
    differences_table,
    matrix_table,
    png_bytes,
    render_html,
    render_json,
    render_markdown,
    verdict,
)
from mlstrata.workspace import Workspace

STATES = ("refresh", "saved", "none")

EnvsOption = typer.Option(None, "--envs", help="Comma-separated environments to compare, e.g. staging,prod "
                          "[default: all, in spec order]; the last one is the reference.")
StateOption = typer.Option("refresh", "--state", help="Real resources: `refresh` (refresh-only plans, read-only: "
                           "what exists now), `saved` (terraform show -json of the state) or `none`.")
HtmlOption = typer.Option(None, "--html", help="Also write the HTML report to this file.", dir_okay=False)
PngOption = typer.Option(None, "--png", help="Also write the matrix as a PNG image to this file.", dir_okay=False)


def _states(ws: Workspace, how: str, terraform: str | None, parallel: int, lock_timeout: str,
            fmt: str) -> tuple[dict[str, dict[str, Any]] | None, list[Diagnostic]]:
    if how == "none":
        return None, []
    if how == "refresh":
        run = run_engine(ws, refresh_all, terraform, parallel, lock_timeout, fmt)
        if run is None:
            return None, []
        states = states_from_refresh(run)
        discard_refresh_files(run)  # read: they hold every attribute of every resource
        return states
    docs = run_engine(ws, show_state_all, terraform, parallel, lock_timeout, "json")
    return (None, []) if docs is None else states_from_show(ws.units, docs)


def parity(spec: Path = SpecOption, envs: str | None = EnvsOption, state: str = StateOption,
           out: Path | None = RepoOption, terraform: str | None = TerraformOption, parallel: int = ParallelOption,
           lock_timeout: str = LockTimeoutOption, html: Path | None = HtmlOption, png: Path | None = PngOption,
           fmt: str = format_option("parity")) -> int:
    """Compare environments at three levels — the resolved spec (after overrides), the rendered
    configuration, and the real resources — and report what exists in one and not another and which
    attributes differ. Differences matching the spec's parity.allow are shown as allowed; settings the spec
    declares per environment as declared. Exit 0 no unallowed difference, 1 any other difference (or a
    unit that could not be read), 2 bad input (spec, options, environments)."""
    if bad_format("parity", fmt):
        return EXIT_USAGE
    if state not in STATES:
        usage_error(f"unknown --state {state!r}", f"--state: {', '.join(STATES)}")
        return EXIT_USAGE
    chosen = [e.strip() for e in envs.split(",") if e.strip()] if envs else None
    for path, what in ((html, "HTML report"), (png, "PNG matrix")):
        if path is not None:  # before the refreshes, which take a minute
            check_writable(path, what=what)
    ws = open_repo(spec, out, chosen, None, fmt, show_warnings=False)
    if ws is None:
        return EXIT_USAGE
    platform = ws.spec.platform
    names = chosen or list(platform.environments)
    if len(names) < 2:
        usage_error("parity needs at least two environments", "e.g. --envs staging,prod")
        return EXIT_USAGE
    states, diagnostics = _states(ws, state, terraform, parallel, lock_timeout, fmt)
    report = parity_report(platform, resolve(platform, ws.spec.source.data), names, ws.repo, states,
                           shown(diagnostics))  # routine ones (a provider mirror's lock-file note) in no format
    if html is not None:
        write_user_file(html, render_html(report), what="HTML report")
    if png is not None:
        write_user_file(png, png_bytes(report), what="PNG matrix")
    if fmt == "json":
        sys.stdout.write(render_json(report))
    elif fmt == "html":
        sys.stdout.write(render_html(report))
    elif fmt == "markdown":
        sys.stdout.write(render_markdown(report))
    else:
        out_console().print(matrix_table(report))
        if report.findings or any(d.status == "allowed" for d in report.differences):
            out_console().print(differences_table(report))
        out_console().print(("[bold red]" if report.findings else "[green]") + verdict(report) + "[/]")
        show_diagnostics(shown(report.diagnostics))
        if report.findings:
            err_console().print("[dim]hint:[/] make the environments match, or declare the difference in the "
                              "spec's parity.allow (e.g. gpu_pools.*.scaling)")
    failed = has_errors(report.diagnostics)
    return EXIT_FINDINGS if report.findings or failed else EXIT_OK


def register(app: typer.Typer) -> None:
    app.command("parity")(command(parity))
