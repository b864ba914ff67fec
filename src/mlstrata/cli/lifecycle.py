"""`plan`, `apply`, `destroy`, `status`, `output`, `up`: real Terraform on the rendered units.

They share one setup (spec, rendered tree, runner, units), so they live together.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from mlstrata.cli.common import (
    EnvOption,
    FormatOption,
    LayerOption,
    LockTimeoutOption,
    ParallelOption,
    RepoOption,
    SpecOption,
    TerraformOption,
    YesOption,
    bad_format,
    command,
    load_spec_or_report,
    open_repo,
    run_engine,
    shown,
)
from mlstrata.cli.output import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, err_console, show_diagnostics
from mlstrata.diagnostics import DiagnosticsError
from mlstrata.engine import RunReport, apply_all, destroy_all, output_all, plan_all, status_all, up_all
from mlstrata.engine.progress import summary_table
from mlstrata.render.tree import render_tree, write_tree
from mlstrata.review.classes import review_rules
from mlstrata.review.gate import review_files
from mlstrata.views import Report
from mlstrata.views import lifecycle as views
from mlstrata.views import review as review_views
from mlstrata.workspace import Permission, Workspace, default_repo, may_change, may_destroy, without_protected


def _finish(report: RunReport, fmt: str, extra: dict[str, object] | None = None) -> int:
    if fmt == "json":
        sys.stdout.write(views.report_json(report, extra))
    else:
        err_console.print(summary_table(report))
        show_diagnostics(shown(report.all_diagnostics()))
    return EXIT_OK if report.ok else EXIT_FINDINGS


def _allowed(permission: Permission) -> bool:
    """Whether the run may go ahead: a refusal is shown; a question is asked on the terminal."""
    if permission.refused is not None:
        show_diagnostics([permission.refused])
        return False
    return permission.question is None or typer.confirm(permission.question, default=False)


def _review(ws: Workspace, report: RunReport, fmt: str) -> tuple[bool, dict[str, object]]:
    """The review gate on every saved plan with changes; True when something blocks."""
    paths = [r.plan_json for r in report.results if r.plan_json is not None and r.has_changes]
    if not paths:
        return False, {}
    reviews, problems = review_files(paths, spec=ws.spec)
    if problems:
        show_diagnostics(problems, fmt)
        return False, {}
    findings = [d for r in reviews for d in r.findings]
    review_report = Report(command="review", findings=findings, rules=review_rules(),
                           fail_on="error", stats={"plans": len(reviews)})
    if fmt == "json":
        return review_report.failed, {"review": json.loads(review_views.render("json", review_report, reviews))}
    err_console.rule("[bold]review")
    review_views.show_human(review_report, reviews, err_console)
    return review_report.failed, {}


def plan(spec: Path = SpecOption, env: list[str] = EnvOption, layer: list[str] = LayerOption,
         out: Path | None = RepoOption, terraform: str | None = TerraformOption, parallel: int = ParallelOption,
         lock_timeout: str = LockTimeoutOption,
         no_review: bool = typer.Option(False, "--no-review", help="Skip the review gate on the saved plans."),
         detailed_exitcode: bool = typer.Option(
             False, "--detailed-exitcode", help="As `terraform plan -detailed-exitcode`: exit 0 no changes, "
             "2 changes, 1 error (a failed unit, a blocking review or bad input)."),
         fmt: str = FormatOption) -> int:
    """Plan every selected unit (base before platform, environments in parallel), save the plan and its
    `show -json` in live/<env>/<layer>/.mlstrata/ for `mlstrata apply`, then run the review gate
    (`mlstrata review`) on every plan with changes. Exit 0 planned, 1 a unit failed or the review found
    something blocking (destroying a registry, bucket, database or key), 2 bad input (including a
    rendered tree that no longer matches the spec). With --detailed-exitcode: 0 no changes, 2 changes, 1 error
    (bad input included), for CI jobs that branch on whether there is anything to apply."""
    code, changes = _plan(spec, env, layer, out, terraform, parallel, lock_timeout, no_review, fmt)
    if not detailed_exitcode:
        return code
    if code != EXIT_OK:
        return EXIT_FINDINGS  # 2 means "changes" here, so bad input is 1 like any error
    return EXIT_DETAILED_CHANGES if changes else EXIT_OK


EXIT_DETAILED_CHANGES = 2  # plan --detailed-exitcode: there are changes to apply


def _plan(spec: Path, env: list[str], layer: list[str], out: Path | None, terraform: str | None, parallel: int,
          lock_timeout: str, no_review: bool, fmt: str) -> tuple[int, bool]:
    """The plan command's work: (exit code, whether any unit has changes)."""
    if bad_format("plan", fmt):
        return EXIT_USAGE, False
    ws = open_repo(spec, out, env, layer, fmt)
    report = None if ws is None else run_engine(ws, plan_all, terraform, parallel, lock_timeout, fmt)
    if ws is None or report is None:
        return EXIT_USAGE, False
    blocked, extra = (False, {}) if no_review or not report.ok else _review(ws, report, fmt)
    if blocked and report.ok:
        if fmt == "json":
            sys.stdout.write(views.report_json(report, extra))
        else:
            err_console.print(summary_table(report))
            err_console.print("[bold red]the review gate blocks these plans[/]: see the findings above")
        return EXIT_FINDINGS, report.has_changes
    return _finish(report, fmt, extra), report.has_changes


def apply(spec: Path = SpecOption, env: list[str] = EnvOption, layer: list[str] = LayerOption,
          out: Path | None = RepoOption, terraform: str | None = TerraformOption, parallel: int = ParallelOption,
          lock_timeout: str = LockTimeoutOption, yes: bool = YesOption, fmt: str = FormatOption) -> int:
    """Apply the plans saved by `mlstrata plan`, only while they are still current (state, configuration,
    modules and Terraform unchanged): a stale plan is refused with "run plan again". A protected
    environment must be named with --env and confirmed (or --yes)."""
    if bad_format("apply", fmt):
        return EXIT_USAGE
    ws = open_repo(spec, out, env, layer, fmt)
    if ws is None or not _allowed(may_change(ws, env, yes, "apply", sys.stdin.isatty())):
        return EXIT_USAGE
    report = run_engine(ws, apply_all, terraform, parallel, lock_timeout, fmt)
    return EXIT_USAGE if report is None else _finish(report, fmt)


def destroy(spec: Path = SpecOption, env: list[str] = EnvOption, layer: list[str] = LayerOption,
            out: Path | None = RepoOption, terraform: str | None = TerraformOption, parallel: int = ParallelOption,
            lock_timeout: str = LockTimeoutOption, yes: bool = YesOption, fmt: str = FormatOption) -> int:
    """Destroy the selected units (platform before base). Protected environments are refused: remove
    `protect: true` from the spec, render and apply first if you really mean it."""
    if bad_format("destroy", fmt):
        return EXIT_USAGE
    ws = open_repo(spec, out, env, layer, fmt)
    if ws is None or not _allowed(may_destroy(ws, yes, sys.stdin.isatty())):
        return EXIT_USAGE
    report = run_engine(ws, destroy_all, terraform, parallel, lock_timeout, fmt)
    return EXIT_USAGE if report is None else _finish(report, fmt)


def status(spec: Path = SpecOption, env: list[str] = EnvOption, layer: list[str] = LayerOption,
           out: Path | None = RepoOption, terraform: str | None = TerraformOption, parallel: int = ParallelOption,
           fmt: str = FormatOption) -> int:
    """What each unit holds (resources in state) and whether a saved plan is current, stale or absent."""
    if bad_format("status", fmt):
        return EXIT_USAGE
    ws = open_repo(spec, out, env, layer, fmt)
    report = None if ws is None else run_engine(ws, status_all, terraform, parallel, "0s", fmt)
    return EXIT_USAGE if report is None else _finish(report, fmt)


def output(spec: Path = SpecOption, env: list[str] = EnvOption, layer: list[str] = LayerOption,
           out: Path | None = RepoOption, terraform: str | None = TerraformOption, parallel: int = ParallelOption,
           fmt: str = FormatOption) -> int:
    """The outputs of every selected unit (sensitive values hidden)."""
    if bad_format("output", fmt):
        return EXIT_USAGE
    ws = open_repo(spec, out, env, layer, fmt)
    report = None if ws is None else run_engine(ws, output_all, terraform, parallel, "0s", fmt)
    if report is None:
        return EXIT_USAGE
    if fmt == "json":
        return _finish(report, fmt)
    views.show_outputs(report, err_console, sys.stdout.write)
    show_diagnostics(shown(report.all_diagnostics()))
    return EXIT_OK if report.ok else EXIT_FINDINGS


def up(spec: Path = SpecOption, env: list[str] = EnvOption, out: Path | None = RepoOption,
       terraform: str | None = TerraformOption, parallel: int = ParallelOption,
       lock_timeout: str = LockTimeoutOption, yes: bool = YesOption, fmt: str = FormatOption) -> int:
    """Render, plan and apply the chosen environments in one go (all of them by default; a protected one
    only when named with --env and confirmed or --yes). Ends with what exists per environment and how to
    open each registry's MLflow UI."""
    if bad_format("up", fmt):
        return EXIT_USAGE
    loaded = load_spec_or_report(spec, fmt)
    if loaded is None:
        return EXIT_USAGE
    repo = out or default_repo(spec)
    try:
        write_tree(render_tree(loaded), repo)
    except DiagnosticsError as exc:
        show_diagnostics(exc.diagnostics, fmt)
        return EXIT_USAGE
    ws = open_repo(spec, repo, env, None, fmt)
    if ws is None:
        return EXIT_USAGE
    protected = sorted({u.env for u in ws.units} & ws.protected_envs)
    interactive = sys.stdin.isatty()
    if protected and not env and not yes:
        # `up` with no --env brings up everything that is not protected, plus protected ones on request
        ws = without_protected(ws)
        err_console.print(f"[yellow]skipping protected environment(s) {', '.join(protected)}[/]: "
                          f"name them with --env (e.g. --env {protected[0]}) or pass --yes")
    elif not _allowed(may_change(ws, env or list(ws.protected_envs), yes, "apply", interactive)):
        return EXIT_USAGE
    report = run_engine(ws, up_all, terraform, parallel, lock_timeout, fmt)
    if report is None:
        return EXIT_USAGE
    if not report.ok or fmt == "json":
        return _finish(report, fmt)
    outputs = run_engine(ws, output_all, terraform, parallel, lock_timeout, "json")  # quiet: no progress
    err_console.print(summary_table(report))
    if outputs is not None:
        views.show_platform_summary(outputs, list(ws.spec.platform.environments), err_console)
    return EXIT_OK


def register(app: typer.Typer) -> None:
    for func in (plan, apply, destroy, status, output, up):
        app.command(func.__name__)(command(func))
