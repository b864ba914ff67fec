"""`mlstrata check`: static guardrails on Terraform code (any tree, rendered or not)."""

from __future__ import annotations

from pathlib import Path

import typer

from mlstrata.cli import keep_until_exit
from mlstrata.cli.common import BadInput, bad_format, command, emit, format_option, usage_error
from mlstrata.cli.output import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, err_console, out_console, show_diagnostics
from mlstrata.diagnostics import DiagnosticsError, relative, warning
from mlstrata.repo import find_spec
from mlstrata.rules.context import SpecFacts
from mlstrata.rules.registry import RULES, rule_docs
from mlstrata.rules.runner import run_check
from mlstrata.userfiles import check_writable
from mlstrata.views import FAIL_ON, Report, Suppressed, human
from mlstrata.views import check as check_views


def _spec(paths: list[Path], spec: Path | None, no_spec: bool) -> SpecFacts | None:
    if no_spec:
        return None
    explicit = spec is not None
    found = spec if spec is not None else find_spec(paths)
    if found is None:
        return None
    if explicit and not found.is_file():
        raise BadInput(f"spec file not found: {found}")
    # the spec models and every target's checks: only when there is a spec (foreign code usually has none)
    from mlstrata.rules.spec_facts import spec_facts
    from mlstrata.spec.load import load_spec
    from mlstrata.targets.registry import TARGETS

    try:
        return spec_facts(load_spec(found, targets=TARGETS))
    except DiagnosticsError as exc:
        if explicit:
            show_diagnostics(exc.diagnostics)
            raise BadInput() from None
        # found beside the code, not asked for: one warning (not errors that the exit status would contradict)
        first = exc.diagnostics[0]
        more = f" (and {len(exc.diagnostics) - 1} more)" if len(exc.diagnostics) > 1 else ""
        show_diagnostics([warning(
            f"ignoring {found}: it is not a valid spec{more}",
            detail=first.headline(),
            hint="Pass --spec to check the code with it (after fixing it), or --no-spec.",
        )])
        return None


def _select(select: str | None, skip: str | None) -> set[str]:
    chosen = set(RULES)
    for option, value in (("--select", select), ("--skip", skip)):
        if not value:
            continue
        ids = {v.strip().upper() for v in value.split(",") if v.strip()}
        unknown = sorted(ids - set(RULES))
        if unknown:
            raise BadInput(
                f"unknown rule id{'s' if len(unknown) > 1 else ''} in {option}: {', '.join(unknown)} "
                "(see `mlstrata rules`)"
            )
        chosen = chosen & ids if option == "--select" else chosen - ids
    return chosen


def check(
    paths: list[Path] = typer.Argument(
        None, help="Files or directories to check (default: current directory)."
    ),
    spec: Path | None = typer.Option(
        None,
        "--spec",
        "-f",
        dir_okay=False,
        help="platform.yaml for per-env ceilings and protected envs "
        "(default: one beside or above the paths).",
    ),
    no_spec: bool = typer.Option(False, "--no-spec", help="Ignore any platform.yaml."),
    fmt: str = format_option("check"),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the report to this file."),
    fail_on: str = typer.Option(
        "error", "--fail-on", help=f"Exit 1 on findings at or above: {', '.join(FAIL_ON)}."
    ),
    select: str | None = typer.Option(None, "--select", help="Only these rules (comma-separated ids)."),
    skip: str | None = typer.Option(None, "--skip", help="Not these rules (comma-separated ids)."),
    jobs: int = typer.Option(0, "--jobs", "-j", min=0, help="Worker processes (0: decide by tree size)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Also list suppressed findings."),
) -> int:
    """Check Terraform code against ML-aware guardrails: GPU pools, artifact storage, IAM, secrets, state,
    module shape and deletion protection. Suppress a finding with `# mlstrata:ignore MLS012 <reason>`
    on its line or the line above.

    Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 bad input.
    """
    if bad_format("check", fmt):
        return EXIT_USAGE
    if fail_on not in FAIL_ON:
        usage_error(f"unknown --fail-on `{fail_on}`", f"use one of: {', '.join(FAIL_ON)}")
        return EXIT_USAGE
    targets = list(paths) if paths else [Path(".")]
    missing = [str(p) for p in targets if not p.exists()]
    if missing:
        usage_error(f"no such file or directory: {', '.join(missing)}")
        return EXIT_USAGE
    if output is not None:
        check_writable(output, what="report")
    try:
        chosen = _select(select, skip)
        facts = _spec(targets, spec, no_spec)
    except BadInput as exc:
        if str(exc):
            usage_error(str(exc))
        return EXIT_USAGE
    result = run_check(targets, spec=facts, workers=jobs or None, select=chosen)
    keep = keep_until_exit()
    if keep is not None:  # the process ends without freeing the findings and the interpreter (~10 ms)
        keep(result)
    if result.files == 0 and not result.findings:  # an unreadable directory is a finding, not 'no files'
        usage_error(f"no .tf or .tfvars files under {', '.join(str(p) for p in targets)}")
        return EXIT_USAGE
    cwd = Path.cwd()
    report = Report(
        command="check",
        findings=relative(result.findings, cwd),
        rules={k: v for k, v in rule_docs().items() if k in chosen},
        fail_on=fail_on,
        stats={"files": result.files, "modules": result.modules, "roots": result.roots},
        suppressed=[
            Suppressed(d, s.reason, f"{s.file}:{s.line}")
            for d, s in ((relative([d], cwd)[0], s) for d, s in result.suppressed)
        ],
    )
    if fmt == "human" and output is None:
        if facts is not None:
            err_console().print(f"[dim]spec: {facts.path}[/]")
        human.show(report, out_console(), verbose=verbose)
    else:
        emit(check_views.render(fmt, report), output)
    return EXIT_FINDINGS if report.failed else EXIT_OK


def register(app: typer.Typer) -> None:
    app.command("check")(command(check))
