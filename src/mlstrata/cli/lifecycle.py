"""`plan`, `apply`, `destroy`, `status`, `output`, `up`, `rollback`: real Terraform on the rendered units.

They share one setup (spec, rendered tree, runner, units), so they live together.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from mlstrata.cli.common import (
    AcceptFileOption,
    AcceptOption,
    EnvOption,
    FormatOption,
    LayerOption,
    ReasonOption,
    RepoOption,
    SpecOption,
    TerraformOption,
    YesOption,
    bad_format,
    command,
    load_spec_hashed,
    load_spec_or_report,
)
from mlstrata.cli.output import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, err_console, show_diagnostics
from mlstrata.cli.units import (
    LockTimeoutOption,
    ParallelOption,
    gate_refusal,
    governance,
    open_repo,
    read_acceptances,
    run_engine,
    shown,
)
from mlstrata.diagnostics import DiagnosticsError, error
from mlstrata.engine import (
    Engine,
    RunReport,
    Unit,
    apply_all,
    destroy_all,
    discover_units,
    output_all,
    plan_all,
    status_all,
    up_all,
)
from mlstrata.engine.progress import summary_table
from mlstrata.render.stamp import record
from mlstrata.views import lifecycle as views
from mlstrata.workspace import (
    Permission,
    Workspace,
    check_selection,
    default_repo,
    may_change,
    may_destroy,
    open_workspace,
    run_profile,
    unnamed_protected,
    without_envs,
)

if TYPE_CHECKING:  # the review gate loads only when a plan has changes or an apply is gated
    from mlstrata.governance.acceptance import Acceptance


def _finish(report: RunReport, fmt: str, extra: dict[str, object] | None = None) -> int:
    if fmt == "json":
        sys.stdout.write(views.report_json(report, extra))
    else:
        err_console().print(summary_table(report))
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
    # the review (rules, pricing) only for plans with changes: a no-op plan does not pay for its imports
    from mlstrata.review.classes import review_rules
    from mlstrata.review.gate import review_files
    from mlstrata.views import Report
    from mlstrata.views import review as review_views

    reviews, problems = review_files(paths, spec=ws.spec)
    if problems:
        show_diagnostics(problems, fmt)
        return False, {}
    findings = [d for r in reviews for d in r.findings]
    review_report = Report(command="review", findings=findings, rules=review_rules(),
                           fail_on="error", stats={"plans": len(reviews)})
    if fmt == "json":
        return review_report.failed, {"review": json.loads(review_views.render("json", review_report, reviews))}
    err_console().rule("[bold]review")
    review_views.show_human(review_report, reviews, err_console())
    return review_report.failed, {}


def plan(spec: Path = SpecOption, env: list[str] = EnvOption, layer: list[str] = LayerOption,
         out: Path | None = RepoOption, terraform: str | None = TerraformOption, parallel: int = ParallelOption,
         lock_timeout: str = LockTimeoutOption,
         no_review: bool = typer.Option(False, "--no-review", help="Skip the review gate on the saved plans."),
         detailed_exitcode: bool = typer.Option(
             False, "--detailed-exitcode", help="As `terraform plan -detailed-exitcode`: exit 0 no changes, "
             "2 changes, 1 error (a failed unit, a blocking review or bad input)."),
         accept_file: Path | None = AcceptFileOption, fmt: str = FormatOption) -> int:
    """Plan every selected unit (base before platform, environments in parallel), save the plan and its
    `show -json` in live/<env>/<layer>/.mlstrata/ for `mlstrata apply`, then run the review gate
    (`mlstrata review`) on every plan with changes. Exit 0 planned, 1 a unit failed or the review found
    something blocking (destroying a registry, bucket, database or key), 2 bad input (including a
    rendered tree that no longer matches the spec). With --accept-file, blocking findings accepted there for
    these plans' changes do not block (CI: the reviewer-committed acceptance file). With --detailed-exitcode:
    0 no changes, 2 changes, 1 error (bad input included), for CI jobs that branch on whether there is
    anything to apply."""
    accepted = read_acceptances(None, None, accept_file, fmt)
    if accepted is None:
        return EXIT_FINDINGS if detailed_exitcode else EXIT_USAGE
    code, changes = _plan(spec, env, layer, out, terraform, parallel, lock_timeout, no_review, fmt, accepted)
    if not detailed_exitcode:
        return code
    if code != EXIT_OK:
        return EXIT_FINDINGS  # 2 means "changes" here, so bad input is 1 like any error
    return EXIT_DETAILED_CHANGES if changes else EXIT_OK


EXIT_DETAILED_CHANGES = 2  # plan --detailed-exitcode: there are changes to apply


def _plan(spec: Path, env: list[str], layer: list[str], out: Path | None, terraform: str | None, parallel: int,
          lock_timeout: str, no_review: bool, fmt: str, accepted: list[Acceptance]) -> tuple[int, bool]:
    """The plan command's work: (exit code, whether any unit has changes)."""
    if bad_format("plan", fmt):
        return EXIT_USAGE, False
    ws = open_repo(spec, out, env, layer, fmt)
    report = None if ws is None else run_engine(ws, plan_all, terraform, parallel, lock_timeout, fmt)
    if ws is None or report is None:
        return EXIT_USAGE, False
    blocked, extra = (False, {}) if no_review or not report.ok else _review(ws, report, fmt)
    if blocked and report.ok:
        from mlstrata.governance.acceptance import unused
        from mlstrata.governance.gate import gate_saved_plans
        from mlstrata.views.gate import show_blocked

        reviewed, _ = gate_saved_plans(ws.units, ws.spec, accepted)
        blocked = any(r.verdict.blocked for r in reviewed)
        extra["gate"] = [r.verdict.to_dict(full=True) for r in reviewed]
        if fmt != "json":
            show_blocked(reviewed, "apply", err_console(), full=False)
        void = unused(accepted, [r.verdict for r in reviewed])
        if void and fmt == "json":
            extra["acceptances"] = [d.to_dict() for d in void]
        elif void:
            show_diagnostics(void, fmt, count=False)
    if blocked and report.ok:
        if fmt == "json":
            sys.stdout.write(views.report_json(report, extra))
        else:
            err_console().print(summary_table(report))
            err_console().print("[bold red]the review gate blocks these plans[/]: see the findings above")
        return EXIT_FINDINGS, report.has_pending
    return _finish(report, fmt, extra), report.has_pending


def apply(spec: Path = SpecOption, env: list[str] = EnvOption, layer: list[str] = LayerOption,
          out: Path | None = RepoOption, terraform: str | None = TerraformOption, parallel: int = ParallelOption,
          lock_timeout: str = LockTimeoutOption, yes: bool = YesOption, accept: list[str] = AcceptOption,
          reason: str | None = ReasonOption, accept_file: Path | None = AcceptFileOption,
          fmt: str = FormatOption) -> int:
    """Apply the plans saved by `mlstrata plan`, only while they are still current (state, configuration,
    modules and Terraform unchanged): a stale plan is refused with "run plan again". The review gate runs
    on each plan first: a blocking finding stops the whole apply (exit 1, nothing applied) unless it is
    accepted for that plan (--accept ID --reason, or --accept-file). A protected environment must be named
    with --env and confirmed (or --yes). Each unit applied gets journal entries (`mlstrata history`)."""
    if bad_format("apply", fmt):
        return EXIT_USAGE
    accepted = read_acceptances(accept, reason, accept_file, fmt)
    ws = None if accepted is None else open_repo(spec, out, env, layer, fmt)
    if ws is None or accepted is None or not _allowed(may_change(ws, env, yes, "apply", sys.stdin.isatty())):
        return EXIT_USAGE
    from mlstrata.governance.gate import gate_saved_plans

    reviewed, problems = gate_saved_plans(ws.units, ws.spec, accepted)
    if problems:
        show_diagnostics(problems, fmt)
        return EXIT_USAGE
    refused = gate_refusal(reviewed, accepted, "apply", fmt)
    if refused is not None:
        return refused
    hooks = governance(spec, ws.repo, ws.spec, "apply", "apply", accepted)
    hooks.remember(reviewed)
    report = run_engine(ws, apply_all, terraform, parallel, lock_timeout, fmt, hooks)
    return EXIT_USAGE if report is None else _finish(report, fmt)


def destroy(spec: Path = SpecOption, env: list[str] = EnvOption, layer: list[str] = LayerOption,
            out: Path | None = RepoOption, terraform: str | None = TerraformOption, parallel: int = ParallelOption,
            lock_timeout: str = LockTimeoutOption, yes: bool = YesOption, reason: str | None = ReasonOption,
            fmt: str = FormatOption) -> int:
    """Destroy the selected units (platform before base), after confirmation (or --yes). A protected
    environment is destroyed only when named with --env, confirmed, and given a --reason; the journal
    records who destroyed what and why."""
    if bad_format("destroy", fmt):
        return EXIT_USAGE
    ws = open_repo(spec, out, env, layer, fmt)
    if ws is None or not _allowed(may_destroy(ws, env, yes, sys.stdin.isatty(), reason)):
        return EXIT_USAGE
    hooks = governance(spec, ws.repo, ws.spec, "destroy", "destroy", destroy_reason=(reason or "").strip())
    report = run_engine(ws, destroy_all, terraform, parallel, lock_timeout, fmt, hooks)
    return EXIT_USAGE if report is None else _finish(report, fmt)


def _read(command: str, operation: Callable[[Engine, Sequence[Unit]], RunReport], spec: Path, out: Path | None,
          env: list[str], layer: list[str], terraform: str | None, parallel: int, fmt: str) -> RunReport | None:
    """A command that only reads state (status, output): no confirmation, no journal, and no wait for a state
    lock; None on bad input (shown)."""
    if bad_format(command, fmt):
        return None
    ws = open_repo(spec, out, env, layer, fmt)
    return None if ws is None else run_engine(ws, operation, terraform, parallel, "0s", fmt)


def status(spec: Path = SpecOption, env: list[str] = EnvOption, layer: list[str] = LayerOption,
           out: Path | None = RepoOption, terraform: str | None = TerraformOption, parallel: int = ParallelOption,
           fmt: str = FormatOption) -> int:
    """What each unit holds (resources in state) and whether a saved plan is current, stale or absent."""
    report = _read("status", status_all, spec, out, env, layer, terraform, parallel, fmt)
    return EXIT_USAGE if report is None else _finish(report, fmt)


def output(spec: Path = SpecOption, env: list[str] = EnvOption, layer: list[str] = LayerOption,
           out: Path | None = RepoOption, terraform: str | None = TerraformOption, parallel: int = ParallelOption,
           fmt: str = FormatOption) -> int:
    """The outputs of every selected unit (sensitive values hidden)."""
    report = _read("output", output_all, spec, out, env, layer, terraform, parallel, fmt)
    if report is None:
        return EXIT_USAGE
    if fmt == "json":
        return _finish(report, fmt)
    views.show_outputs(report, err_console(), sys.stdout.write)
    show_diagnostics(shown(report.all_diagnostics()))
    return EXIT_OK if report.ok else EXIT_FINDINGS


def up(spec: Path = SpecOption, env: list[str] = EnvOption, out: Path | None = RepoOption,
       terraform: str | None = TerraformOption, parallel: int = ParallelOption,
       lock_timeout: str = LockTimeoutOption, yes: bool = YesOption, fmt: str = FormatOption) -> int:
    """Render, plan and apply the chosen environments in one go (all unprotected ones by default; a
    protected one only when named with --env, and confirmed or --yes). Each fresh plan passes the review
    gate before it is applied: a blocking finding stops that environment (plan, then apply with --accept).
    Ends with what exists per environment and how to open each registry's MLflow UI."""
    hashed = None if bad_format("up", fmt) else load_spec_hashed(spec, fmt)
    if hashed is None:
        return EXIT_USAGE
    loaded, spec_sha256 = hashed
    repo = out or default_repo(spec)
    problems = check_selection(loaded, env, None)
    if problems:  # before rendering: a bad --env must not write anything
        show_diagnostics(problems, fmt)
        return EXIT_USAGE
    try:
        from mlstrata.render.tree import render_tree, write_tree

        tree = render_tree(loaded)
        write_tree(tree, repo)
    except DiagnosticsError as exc:
        show_diagnostics(exc.diagnostics, fmt)
        return EXIT_USAGE
    if spec_sha256 is not None:  # opening the tree below need not render it again
        record(repo, spec, spec_sha256, tree.digest(), run_profile(loaded))
    ws = open_repo(spec, repo, env, None, fmt, show_warnings=False)  # shown above
    if ws is None:
        return EXIT_USAGE
    skipped = unnamed_protected(ws, env)
    if skipped:  # `up` changes a protected environment only when it is named, --yes or not
        ws = without_envs(ws, skipped)
        err_console().print(f"[yellow]skipping protected environment(s) {', '.join(skipped)}[/]: `up` changes a "
                          f"protected environment only when it is named (add --env {skipped[0]})")
    if not ws.units:
        show_diagnostics([error("nothing left to bring up", hint="name a protected environment with --env to "
                                "change it", code="cli.no_units")], fmt)
        return EXIT_USAGE
    if not _allowed(may_change(ws, env, yes, "apply", sys.stdin.isatty())):
        return EXIT_USAGE
    hooks = governance(spec, ws.repo, ws.spec, "up", "apply", up_hint=(
        "`up` applies nothing the gate blocks: run `mlstrata plan --env {env}`, then `mlstrata apply --env {env} "
        "--accept <id> --reason \"...\"` with the ids that plan lists"))
    report = run_engine(ws, up_all, terraform, parallel, lock_timeout, fmt, hooks)
    if report is None:
        return EXIT_USAGE
    if not report.ok or fmt == "json":
        return _finish(report, fmt)
    outputs = run_engine(ws, output_all, terraform, parallel, lock_timeout, "json")  # quiet: no progress
    err_console().print(summary_table(report))
    if outputs is not None:
        views.show_platform_summary(outputs, list(ws.spec.platform.environments), err_console())
    return EXIT_OK


def rollback(spec: Path = SpecOption,
             env: str = typer.Option(..., "--env", "-e", help="The environment to roll back (one)."),
             to: str = typer.Option(..., "--to", help="The git revision of the spec to go back to (commit, tag, "
                                    "HEAD~2)."),
             out: Path | None = RepoOption, terraform: str | None = TerraformOption,
             lock_timeout: str = LockTimeoutOption, yes: bool = YesOption, accept: list[str] = AcceptOption,
             reason: str | None = ReasonOption, accept_file: Path | None = AcceptFileOption,
             fmt: str = FormatOption) -> int:
    """Return an environment to the platform its spec described at an earlier git revision: render that
    spec into a scratch tree (.mlstrata/rollback/<rev>/), plan it against each unit's current state, run
    the review gate (a rollback that destroys a registry, a model or a bucket is blocked like any change:
    accept the findings of those plans with --accept/--reason and run it again), then apply on
    confirmation (or --yes), layer by layer. The journal records it as a rollback to REV. The spec at
    HEAD is left as it is: revert it in git too, or the next `up` brings HEAD's platform back."""
    from mlstrata.governance.rollback import layout_problems, preview_all, render_scratch, spec_at

    if bad_format("rollback", fmt):
        return EXIT_USAGE
    accepted = read_acceptances(accept, reason, accept_file, fmt)
    loaded = None if accepted is None else load_spec_or_report(spec, fmt)
    if loaded is None or accepted is None:
        return EXIT_USAGE
    repo = out or default_repo(spec)
    unknown = check_selection(loaded, [env], None)
    if unknown:
        show_diagnostics(unknown, fmt)
        return EXIT_USAGE
    old, problems = spec_at(spec, to)
    scratch: Path | None = None
    if old is not None:
        current_units = [u.id for u in discover_units(repo, envs=[env])]
        scratch, old_units, problems = render_scratch(old, repo, env)
        problems = problems or layout_problems(loaded.platform, old, env, current_units, old_units)
    ws, more = (None, []) if old is None or scratch is None or problems else open_workspace(
        old.spec, scratch, [env], None)
    if old is None or ws is None:
        show_diagnostics(problems + more, fmt)
        return EXIT_USAGE
    from mlstrata.governance.gate import gate_saved_plans

    rev = {"file": str(spec), "revision": old.revision, "dirty": False}
    hooks = governance(spec, repo.resolve(), loaded, "rollback", "rollback", accepted,
                       rollback_to=f"{to} ({old.revision[:12]})" if to != old.revision else to, spec=rev,
                       up_hint=f"re-planned before apply, {{id}} is new: run `mlstrata rollback --env {env} "
                               f"--to {to}` again and review it")
    preview = run_engine(ws, lambda engine, units: preview_all(engine, units, reuse=bool(accepted)), terraform, 1,
                         lock_timeout, fmt)
    if preview is None or not preview.ok:
        return EXIT_USAGE if preview is None else _finish(preview, fmt)
    reviewed, problems = gate_saved_plans(ws.units, loaded, accepted)
    if problems:
        show_diagnostics(problems, fmt)
        return EXIT_USAGE
    refused = gate_refusal(reviewed, accepted, f"rollback --to {to}", fmt)
    if refused is not None:
        return refused
    if not preview.has_changes:
        err_console().print(f"{env} already is what {spec.name} described at {to}: nothing to roll back")
        return EXIT_OK
    if fmt != "json":
        err_console().print(summary_table(preview))
    # a protected environment is named here by --env; a rollback is always confirmed
    protected = env in loaded.platform.environments and loaded.platform.environments[env].protect
    question = f"roll {'protected environment ' if protected else ''}{env} back to {to}?"
    if not _allowed(Permission(question=question) if not yes and sys.stdin.isatty() else Permission(
            None if yes else error("rollback needs confirmation", hint="pass --yes to confirm non-interactively",
                                   code="cli.confirm"))):
        return EXIT_USAGE
    hooks.carry_over(reviewed)
    report = run_engine(ws, up_all, terraform, 1, lock_timeout, fmt, hooks)
    if report is None:
        return EXIT_USAGE
    if report.ok and fmt != "json":
        err_console().print(f"[green]{env} is back at {spec.name} as of {to}[/] ({old.revision[:12]}). The spec at "
                          "HEAD still describes the newer platform: revert it in git, or the next `up` "
                          "re-applies it.")
    return _finish(report, fmt)


def register(app: typer.Typer) -> None:
    for func in (plan, apply, destroy, status, output, up, rollback):
        app.command(func.__name__)(command(func))
