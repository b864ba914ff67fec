"""What the commands that run Terraform share: opening the rendered repository, running the engine with
progress, and governed change (acceptances, the gate's refusal, the engine hooks)."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from mlstrata.cli.common import load_spec_hashed
from mlstrata.cli.output import EXIT_FINDINGS, EXIT_USAGE, err_console, show_diagnostics
from mlstrata.diagnostics import Diagnostic, error
from mlstrata.engine import (
    DEFAULT_LOCK_TIMEOUT,
    DEFAULT_PARALLELISM,
    Engine,
    EngineSettings,
    Unit,
    select_runner,
)
from mlstrata.targets.runs import routine_warning
from mlstrata.workspace import Workspace, default_repo, install_providers, open_current, open_workspace

if TYPE_CHECKING:  # the gate, the journal and the spec load only in the commands (and runs) that use them
    from mlstrata.engine.hooks import ChangeHooks
    from mlstrata.governance.acceptance import Acceptance
    from mlstrata.governance.gate import Governance, Reviewed
    from mlstrata.governance.journal import JournalStore
    from mlstrata.spec.load import LoadedSpec

T = TypeVar("T")

ParallelOption = typer.Option(DEFAULT_PARALLELISM, "--parallel", min=1, max=16,
                              help="Units run at the same time (within an environment, base before platform).")
_DURATION = re.compile(r"^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$")


def _duration(value: str) -> str:
    """A Terraform (Go) duration such as 30s, 5m or 1h30m; anything else is a usage error, not a
    confusing Terraform message about -chdir."""
    if not _DURATION.match(value):
        raise typer.BadParameter(f"{value!r} is not a duration; use e.g. 30s, 5m or 1h30m")
    return value


LockTimeoutOption = typer.Option(DEFAULT_LOCK_TIMEOUT, "--lock-timeout", callback=_duration,
                                 help="How long to wait for a state lock (e.g. 30s, 5m).")


def open_repo(spec: Path, repo: Path | None, envs: list[str] | None, layers: list[str] | None,
              fmt: str, *, show_warnings: bool = True) -> Workspace | None:
    """Open the rendered repository with the selected units: from the render stamp when it vouches that
    the tree is current (the spec is then read only if the command needs it), else by loading the spec and
    comparing the tree with what it renders. On bad input print why and give None."""
    repo = repo or default_repo(spec)
    current = open_current(spec, repo, envs, layers)
    if current is not None:
        ws, diagnostics, profile = current
        if profile.warnings and show_warnings and fmt != "json":
            show_diagnostics(list(profile.warnings), fmt)  # as `load_spec_or_report` shows them
    else:
        hashed = load_spec_hashed(spec, fmt, show_warnings=show_warnings)
        if hashed is None:
            return None
        loaded, spec_sha256 = hashed
        ws, diagnostics = open_workspace(loaded, repo, envs, layers, spec_sha256=spec_sha256)
    if ws is None:
        show_diagnostics(diagnostics, fmt)
        return None
    if not ws.units:
        show_diagnostics([error("no units selected", hint="Check --env/--layer and run `mlstrata render`.",
                                code="cli.no_units")], fmt)
        return None
    return ws


def run_engine(ws: Workspace, operation: Callable[[Engine, Sequence[Unit]], T], terraform: str | None,
               parallel: int, lock_timeout: str, fmt: str, hooks: ChangeHooks | None = None) -> T | None:
    """Install what the target's runs need (`install_providers`), then run `operation` on the workspace's
    units with a fresh engine, progress on stderr for the human format; None when no Terraform could be
    found or the install failed (the reason is printed)."""
    runner, diagnostics = select_runner(terraform)
    diagnostics = diagnostics if runner is None else install_providers(ws)
    if runner is None or diagnostics:
        show_diagnostics(diagnostics, fmt)
        return None
    progress = fmt == "human"
    from mlstrata.engine.progress import ProgressView

    settings = EngineSettings(lock_timeout=lock_timeout, parallelism=parallel,
                              cli_config_blocks=ws.cli_config_blocks, plugin_cache=not ws.cli_config_blocks,
                              served_providers=ws.served_providers)
    if not progress:
        with Engine(runner, settings, hooks=hooks) as engine:
            return operation(engine, ws.units)
    with ProgressView(err_console()) as view, Engine(runner, settings, on_event=view, hooks=hooks) as engine:
        return operation(engine, ws.units)


def shown(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Diagnostics worth a user's attention: `mlstrata.targets.routine_warning` ones left out."""
    return [d for d in diagnostics if not routine_warning(d)]


# ---- governed change: acceptances, the gate's refusal, the engine hooks -----------------------------------


def read_acceptances(ids: list[str] | None, reason: str | None, accept_file: Path | None,
                     fmt: str) -> list[Acceptance] | None:
    """Acceptances from --accept/--reason and --accept-file; None (after saying why) when one is bad."""
    if not ids and reason is None and accept_file is None:
        return []
    from mlstrata.governance.acceptance import from_command_line, load_file

    found, problems = from_command_line(ids or [], reason)
    if accept_file is not None:
        more, file_problems = load_file(accept_file)
        found += more
        problems += file_problems
    if problems:
        show_diagnostics(problems, fmt)
        return None
    return found


def gate_refusal(reviewed: Sequence[Reviewed], accepted: Sequence[Acceptance], command_line: str,
                 fmt: str) -> int | None:
    """The exit code when the gate refuses (1: a blocking finding nobody accepted for this plan; 2: an
    --accept that matches no finding), else None; void file acceptances are shown either way."""
    from mlstrata.governance.acceptance import unused
    from mlstrata.views.gate import show_blocked

    verdicts = [r.verdict for r in reviewed]
    problems = unused(accepted, verdicts)
    blocked = any(v.blocked for v in verdicts)
    if any(p.is_error for p in problems):
        show_diagnostics(problems, fmt)
        return EXIT_USAGE
    if fmt == "json" and blocked:
        sys.stdout.write(json.dumps({"ok": False, "gate": [v.to_dict(full=True) for v in verdicts],
                                     "diagnostics": [d.to_dict() for d in problems]}, indent=2) + "\n")
        return EXIT_FINDINGS
    if problems:
        show_diagnostics(problems, fmt, count=False)
    if fmt != "json" and any(v.blocking for v in verdicts):
        show_blocked(reviewed, command_line, err_console())
    if blocked:
        err_console().print("[bold red]the review gate blocks these plans[/]: nothing was applied")
        return EXIT_FINDINGS
    return None


def governance(spec_file: Path, repo: Path, loaded: LoadedSpec, command_name: str, operation: str,
               accepted: Sequence[Acceptance] = (), *, destroy_reason: str = "", up_hint: str = "",
               **extra: Any) -> Governance:
    """The engine hooks of one command on one rendered repository: the gate on fresh plans, the journal."""
    from mlstrata.governance.gate import Governance
    from mlstrata.governance.journal import run_context
    from mlstrata.targets.registry import TARGETS

    def journals(unit: Unit) -> tuple[JournalStore | None, list[Diagnostic]]:
        return TARGETS[loaded.platform.target].journal(loaded.platform, repo, unit.env, unit.layer,
                                                       unit.env_vars)

    return Governance(spec=loaded, journals=journals, context=run_context(spec_file, command_name, operation, **extra),
                      acceptances=accepted, destroy_reason=destroy_reason, up_hint=up_hint)
