"""`plan`, `apply`, `destroy`, `status`, `output`, `up`: real Terraform on the rendered units.

They share one setup (spec, rendered tree, runner, units), so they live together.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import typer
from rich.table import Table

from mlstrata.cli.common import FormatOption, SpecOption, check_format, load_or_exit
from mlstrata.cli.output import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, err_console, show_diagnostics
from mlstrata.diagnostics import Diagnostic, DiagnosticsError, Severity
from mlstrata.engine import (
    Engine,
    EngineSettings,
    RunReport,
    Unit,
    apply_all,
    destroy_all,
    output_all,
    plan_all,
    select_runner,
    status_all,
    up_all,
)
from mlstrata.engine.progress import ProgressView, summary_table
from mlstrata.render.tree import render_tree, write_tree
from mlstrata.workspace import Workspace, default_repo, open_workspace

EnvOption = typer.Option(None, "--env", "-e", help="Environment(s) to act on (repeat); default: all.")
LayerOption = typer.Option(None, "--layer", "-l", help="Layer(s): base, platform (repeat); default: both.")
RepoOption = typer.Option(None, "--out", "-o", help="The rendered repository [default: infra/ beside the spec].")
TerraformOption = typer.Option(
    None, "--terraform", help="A terraform/tofu binary to use instead of the embedded Terraform "
    "(also $MLSTRATA_TERRAFORM; `embedded` forces the embedded one).")
ParallelOption = typer.Option(2, "--parallel", min=1, max=16, help="Environments run at the same time.")
LockTimeoutOption = typer.Option("30s", "--lock-timeout", help="How long to wait for a state lock.")
YesOption = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation.")


def _workspace(spec: Path, repo: Path | None, envs: list[str] | None, layers: list[str] | None,
               fmt: str) -> Workspace:
    loaded = load_or_exit(spec, fmt)
    ws, diagnostics = open_workspace(loaded, repo or default_repo(spec), envs, layers)
    if ws is None:
        show_diagnostics(diagnostics, fmt)
        raise typer.Exit(EXIT_USAGE)
    if not ws.units:
        show_diagnostics([], fmt)
        err_console.print("[bold red]error[/]: no units selected")
        raise typer.Exit(EXIT_USAGE)
    return ws


def _run(ws: Workspace, operation: Callable[[Engine, Sequence[Unit]], RunReport], terraform: str | None,
         parallel: int, lock_timeout: str, fmt: str) -> RunReport:
    runner, diagnostics = select_runner(terraform)
    if runner is None:
        show_diagnostics(diagnostics, fmt)
        raise typer.Exit(EXIT_USAGE)
    settings = EngineSettings(lock_timeout=lock_timeout, parallelism=parallel,
                              cli_config_blocks=ws.cli_config_blocks, plugin_cache=not ws.cli_config_blocks)
    if fmt == "json":
        with Engine(runner, settings) as engine:
            return operation(engine, ws.units)
    with ProgressView(err_console) as view, Engine(runner, settings, on_event=view) as engine:
        return operation(engine, ws.units)


def _shown(report: RunReport) -> list[Diagnostic]:
    """Diagnostics worth a user's attention. Terraform warns on every `init` that a filesystem
    mirror gives lock-file checksums for this platform only; for mlstrata's own local provider that
    is the expected state, not something to act on."""
    return [d for d in report.all_diagnostics()
            if not (d.severity is Severity.WARNING and d.summary.startswith("Incomplete lock file information")
                    and "local.mlstrata.dev/" in d.detail)]


def _finish(report: RunReport, fmt: str, extra: dict[str, object] | None = None) -> None:
    if fmt == "json":
        payload = report.to_dict()
        if extra:
            payload.update(extra)
        sys.stdout.write(json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n")
    else:
        err_console.print(summary_table(report))
        show_diagnostics(_shown(report))
    raise typer.Exit(EXIT_OK if report.ok else EXIT_FINDINGS)


def _guard_protected(ws: Workspace, named: list[str] | None, yes: bool, action: str) -> None:
    """A protected environment is changed only when named explicitly, and confirmed."""
    touched = sorted({u.env for u in ws.units} & ws.protected_envs)
    if not touched:
        return
    unnamed = [e for e in touched if e not in (named or [])]
    if unnamed:
        err_console.print(f"[bold red]error[/]: {', '.join(unnamed)} is protected: {action} it only by naming it\n"
                          f"  [dim]hint:[/] add `--env {unnamed[0]}` (and --yes in CI), or choose other environments "
                          "with --env")
        raise typer.Exit(EXIT_USAGE)
    if yes:
        return
    if not sys.stdin.isatty():
        err_console.print(f"[bold red]error[/]: {', '.join(touched)} is protected and there is no terminal to "
                          "confirm\n  [dim]hint:[/] pass --yes to confirm non-interactively")
        raise typer.Exit(EXIT_USAGE)
    if not typer.confirm(f"{action} protected environment(s) {', '.join(touched)}?", default=False):
        raise typer.Exit(EXIT_USAGE)


def _review(ws: Workspace, report: RunReport, fmt: str) -> tuple[bool, dict[str, object]]:
    """The review gate on every saved plan with changes; True when something blocks."""
    from mlstrata.review.classes import review_rules
    from mlstrata.review.gate import review_files
    from mlstrata.views import Report
    from mlstrata.views import review as review_views

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
         fmt: str = FormatOption) -> None:
    """Plan every selected unit (base before platform, environments in parallel), save the plan and its
    `show -json` in live/<env>/<layer>/.mlstrata/ for `mlstrata apply`, then run the review gate
    (`mlstrata review`) on every plan with changes. Exit 0 planned, 1 a unit failed or the review found
    something blocking (destroying a registry, bucket, database or key), 2 bad input (including a
    rendered tree that no longer matches the spec)."""
    check_format(fmt)
    ws = _workspace(spec, out, env, layer, fmt)
    report = _run(ws, plan_all, terraform, parallel, lock_timeout, fmt)
    blocked, extra = (False, {}) if no_review or not report.ok else _review(ws, report, fmt)
    if blocked and report.ok:
        if fmt == "json":
            payload = report.to_dict()
            payload.update(extra)
            sys.stdout.write(json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n")
        else:
            err_console.print(summary_table(report))
            err_console.print("[bold red]the review gate blocks these plans[/]: see the findings above")
        raise typer.Exit(EXIT_FINDINGS)
    _finish(report, fmt, extra)


def apply(spec: Path = SpecOption, env: list[str] = EnvOption, layer: list[str] = LayerOption,
          out: Path | None = RepoOption, terraform: str | None = TerraformOption, parallel: int = ParallelOption,
          lock_timeout: str = LockTimeoutOption, yes: bool = YesOption, fmt: str = FormatOption) -> None:
    """Apply the plans saved by `mlstrata plan`, only while they are still current (state, configuration,
    modules and Terraform unchanged): a stale plan is refused with "run plan again". A protected
    environment must be named with --env and confirmed (or --yes)."""
    check_format(fmt)
    ws = _workspace(spec, out, env, layer, fmt)
    _guard_protected(ws, env, yes, "apply")
    _finish(_run(ws, apply_all, terraform, parallel, lock_timeout, fmt), fmt)


def destroy(spec: Path = SpecOption, env: list[str] = EnvOption, layer: list[str] = LayerOption,
            out: Path | None = RepoOption, terraform: str | None = TerraformOption, parallel: int = ParallelOption,
            lock_timeout: str = LockTimeoutOption, yes: bool = YesOption, fmt: str = FormatOption) -> None:
    """Destroy the selected units (platform before base). Protected environments are refused: remove
    `protect: true` from the spec, render and apply first if you really mean it."""
    check_format(fmt)
    ws = _workspace(spec, out, env, layer, fmt)
    protected = sorted({u.env for u in ws.units} & ws.protected_envs)
    if protected:
        err_console.print(f"[bold red]error[/]: refusing to destroy protected environment(s) {', '.join(protected)}\n"
                          "  [dim]hint:[/] choose others with --env, or set protect: false, render and apply first")
        raise typer.Exit(EXIT_USAGE)
    if not yes and sys.stdin.isatty() and not typer.confirm(
            f"destroy {', '.join(sorted({u.id for u in ws.units}))}?", default=False):
        raise typer.Exit(EXIT_USAGE)
    if not yes and not sys.stdin.isatty():
        err_console.print("[bold red]error[/]: destroy needs confirmation\n  [dim]hint:[/] pass --yes")
        raise typer.Exit(EXIT_USAGE)
    _finish(_run(ws, destroy_all, terraform, parallel, lock_timeout, fmt), fmt)


def status(spec: Path = SpecOption, env: list[str] = EnvOption, layer: list[str] = LayerOption,
           out: Path | None = RepoOption, terraform: str | None = TerraformOption, parallel: int = ParallelOption,
           fmt: str = FormatOption) -> None:
    """What each unit holds (resources in state) and whether a saved plan is current, stale or absent."""
    check_format(fmt)
    ws = _workspace(spec, out, env, layer, fmt)
    _finish(_run(ws, status_all, terraform, parallel, "0s", fmt), fmt)


def output(spec: Path = SpecOption, env: list[str] = EnvOption, layer: list[str] = LayerOption,
           out: Path | None = RepoOption, terraform: str | None = TerraformOption, parallel: int = ParallelOption,
           fmt: str = FormatOption) -> None:
    """The outputs of every selected unit (sensitive values hidden)."""
    check_format(fmt)
    ws = _workspace(spec, out, env, layer, fmt)
    report = _run(ws, output_all, terraform, parallel, "0s", fmt)
    if fmt == "json":
        _finish(report, fmt)
    for result in report.results:
        err_console.rule(result.unit.id)
        for value in result.outputs:
            shown = "(sensitive)" if value.sensitive and value.value is None else json.dumps(value.value)
            out_line = f"{value.name} = {shown}"
            sys.stdout.write(f"{result.unit.id}: {out_line}\n")
    show_diagnostics(_shown(report))
    raise typer.Exit(EXIT_OK if report.ok else EXIT_FINDINGS)


def up(spec: Path = SpecOption, env: list[str] = EnvOption, out: Path | None = RepoOption,
       terraform: str | None = TerraformOption, parallel: int = ParallelOption,
       lock_timeout: str = LockTimeoutOption, yes: bool = YesOption, fmt: str = FormatOption) -> None:
    """Render, plan and apply the chosen environments in one go (all of them by default; a protected one
    only when named with --env and confirmed or --yes). Ends with what exists per environment and how to
    open each registry's MLflow UI."""
    check_format(fmt)
    loaded = load_or_exit(spec, fmt)
    repo = out or default_repo(spec)
    try:
        write_tree(render_tree(loaded), repo)
    except DiagnosticsError as exc:
        show_diagnostics(exc.diagnostics, fmt)
        raise typer.Exit(EXIT_USAGE) from None
    ws = _workspace(spec, repo, env, None, fmt)
    protected = sorted({u.env for u in ws.units} & ws.protected_envs)
    if protected and not env:
        # `up` with no --env brings up everything that is not protected, plus protected ones on request
        if yes:
            _guard_protected(ws, list(ws.protected_envs), yes, "apply")
        else:
            ws = Workspace(ws.spec, ws.repo, [u for u in ws.units if u.env not in ws.protected_envs],
                           ws.cli_config_blocks)
            err_console.print(f"[yellow]skipping protected environment(s) {', '.join(protected)}[/]: "
                              f"name them with --env (e.g. --env {protected[0]}) or pass --yes")
    else:
        _guard_protected(ws, env, yes, "apply")
    report = _run(ws, up_all, terraform, parallel, lock_timeout, fmt)
    if not report.ok or fmt == "json":
        _finish(report, fmt)
    outputs = output_all_quiet(ws, terraform, parallel)
    err_console.print(summary_table(report))
    _print_platform_summary(outputs, list(ws.spec.platform.environments))
    raise typer.Exit(EXIT_OK)


def output_all_quiet(ws: Workspace, terraform: str | None, parallel: int) -> RunReport:
    runner, _ = select_runner(terraform)
    assert runner is not None
    settings = EngineSettings(parallelism=parallel, cli_config_blocks=ws.cli_config_blocks,
                              plugin_cache=not ws.cli_config_blocks)
    with Engine(runner, settings) as engine:
        return output_all(engine, ws.units)


def _print_platform_summary(report: RunReport, env_order: list[str]) -> None:
    """What exists per environment (from the units' outputs), then how to open each registry's UI."""
    per_env: dict[str, dict[str, object]] = {e: {} for e in env_order if any(r.unit.env == e for r in report.results)}
    for result in report.results:
        per_env.setdefault(result.unit.env, {}).update({v.name: v.value for v in result.outputs})
    if not any(per_env.values()):
        return
    table = Table(title="what exists now", show_lines=False)
    for column in ("environment", "registry", "models", "service accounts", "artifact stores", "GPUs on host",
                   "metadata store"):
        table.add_column(column)
    for env, values in per_env.items():
        accounts = values.get("registry_service_account_password_files")
        stores = sorted(k.removeprefix("artifact_bucket_").removesuffix("_uri") for k in values
                        if k.startswith("artifact_bucket_"))
        gpus = sorted(f"{k.removeprefix('gpu_pool_').removesuffix('_gpus')}: {v}" for k, v in values.items()
                      if k.startswith("gpu_pool_") and k.endswith("_gpus"))
        models = values.get("registry_model_names")
        table.add_row(env, str(values.get("registry_id", "-")),
                      ", ".join(str(m) for m in models) if isinstance(models, list) and models else "-",
                      ", ".join(sorted(accounts)) if isinstance(accounts, dict) else "-",
                      ", ".join(stores) or "-", ", ".join(gpus) or "-",
                      "yes" if values.get("metadata_store_uri") else "-")
    err_console.print(table)
    for env, values in per_env.items():
        if "registry_ui_command" in values:
            err_console.print(f"[bold]MLflow UI of {env}[/] (log in as admin; password in "
                              f"{values.get('registry_admin_password_file')}):")
            err_console.print(f"  {values['registry_ui_command']}", soft_wrap=True, highlight=False)
    err_console.print("[dim]All outputs: `mlstrata output`; passwords stay in their 0600 files.[/]")


def register(app: typer.Typer) -> None:
    for command in (plan, apply, destroy, status, output, up):
        app.command(command.__name__)(command)
