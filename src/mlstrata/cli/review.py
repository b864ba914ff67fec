"""`mlstrata review PLAN.json ...`: the gate on `terraform show -json` output."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from mlstrata.cli import keep_until_exit
from mlstrata.cli.common import BadInput, bad_format, command, emit, format_option, usage_error
from mlstrata.cli.output import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    bad_input_line,
    err_console,
    out_console,
    show_diagnostics,
)
from mlstrata.diagnostics import DiagnosticsError, relative
from mlstrata.repo import find_spec
from mlstrata.userfiles import check_writable

if TYPE_CHECKING:
    from mlstrata.spec.load import LoadedSpec

# `blocking` is the name users see for the error severity; `error` is accepted too.
FAIL_ON = {"blocking": "error", "error": "error", "warning": "warning", "info": "info", "never": "never"}


def _spec(plans: list[Path], spec: Path | None, no_spec: bool) -> LoadedSpec | None:
    if no_spec:
        return None
    found = spec if spec is not None else find_spec(plans)
    if found is None:
        return None
    if not found.is_file():
        raise BadInput(f"spec file not found: {found}")
    from mlstrata.spec.load import load_spec  # the models and every target: only when there is a spec
    from mlstrata.targets.registry import TARGETS

    try:
        return load_spec(found, targets=TARGETS)
    except DiagnosticsError as exc:
        if spec is not None:
            raise BadInput(f"{found} is not a valid spec: {exc.diagnostics[0].headline()}") from None
        from rich.markup import escape

        err_console().print(f"[yellow]warning[/]: ignoring {escape(str(found))}: not a valid spec (--spec or "
                            f"--no-spec): {escape(exc.diagnostics[0].headline())}")
        return None


def review(
    plans: list[Path] = typer.Argument(..., help="`terraform show -json` outputs, one per unit.", dir_okay=False),
    all_resources: bool = typer.Option(False, "--all", help="Check every resource, not only the changed ones."),
    env: str | None = typer.Option(None, "--env", "-e", help="Environment of the plans "
                                   "[default: from the path live/<env>/<layer>/..., or the spec's only one]."),
    repo: Path | None = typer.Option(None, "--repo", help="Where the Terraform code is, for file:line: the "
                                     "repository (with live/<env>/<layer>) or the root module's directory "
                                     "[default: from the plan's path].", file_okay=False),
    spec: Path | None = typer.Option(None, "--spec", "-f", dir_okay=False, help="platform.yaml: protected envs, "
                                     "regions and the team's prices (.mlstrata/prices.json beside it) for GPU "
                                     "costs [default: one beside or above the plans]."),
    no_spec: bool = typer.Option(False, "--no-spec", help="Ignore any platform.yaml."),
    fmt: str = format_option("review"),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the report to this file."),
    fail_on: str = typer.Option("blocking", "--fail-on", help="Exit 1 on findings at or above: "
                                "blocking, warning, info, never."),
) -> int:
    """Review Terraform plans before they are applied: destroyed or replaced registries, buckets, metadata
    databases, KMS keys and state buckets (blocking); IAM widened; encryption, versioning, deletion
    protection or public-access blocks turned off; GPU capacity and its monthly cost; stricter in
    protected environments. Findings point at the resource's file:line when the code is found.

    Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 bad input (unreadable,
    not JSON, not a plan, unsupported format_version).
    """
    if bad_format("review", fmt):
        return EXIT_USAGE
    if fail_on not in FAIL_ON:
        usage_error(f"unknown --fail-on `{fail_on}`", "use one of: blocking, warning, info, never")
        return EXIT_USAGE
    try:
        loaded = _spec(plans, spec, no_spec)
    except BadInput as exc:
        usage_error(str(exc))
        return EXIT_USAGE
    if output is not None:
        check_writable(output, what="report")
    # the checks, rules and views: for a review, not for --help or bad arguments
    from mlstrata.review.classes import review_rules
    from mlstrata.review.gate import review_files
    from mlstrata.views import Report
    from mlstrata.views import review as review_views

    reviews, problems = review_files(plans, env=env, repo=repo, spec=loaded, all_resources=all_resources,
                                     keep=keep_until_exit())
    if problems:
        if problems[0].code == "pricing.overlay":  # the team's prices beside the spec: every row, as `cost` shows them
            show_diagnostics(problems, "json" if fmt == "json" else "human")
        else:
            usage_error(bad_input_line(problems[0]))
        return EXIT_USAGE
    cwd = Path.cwd()
    findings = relative([d for r in reviews for d in r.findings], cwd)
    report = Report(
        command="review",
        findings=findings,
        rules=review_rules(),
        fail_on=FAIL_ON[fail_on],
        stats={"plans": len(reviews), "checked": sum(r.checked for r in reviews),
               "drifted": sum(r.drifted for r in reviews)},
    )
    if fmt == "human" and output is None:
        review_views.show_human(report, reviews, out_console())
    else:
        emit(review_views.render(fmt, report, reviews), output)
    return EXIT_FINDINGS if report.failed else EXIT_OK


def register(app: typer.Typer) -> None:
    app.command("review")(command(review))
