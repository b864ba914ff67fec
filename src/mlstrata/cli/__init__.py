"""The `mlstrata` command: one module per command (or per family of commands), registered explicitly.

Only the module of the command being run is imported, so `mlstrata plan` does not pay for the
guardrail rules or the price catalog, and `mlstrata --help` imports no command at all: it lists the
one-line summaries kept here (tests/cli/test_startup.py holds them to the modules that register them).
"""

from __future__ import annotations

import gc
import os
import re
import sys
from collections.abc import Callable
from typing import NamedTuple

import typer

from mlstrata import __version__


class Entry(NamedTuple):
    module: str  # the module under mlstrata.cli that registers the command
    summary: str  # its line in `mlstrata --help`


COMMANDS: dict[str, Entry] = {
    "init": Entry("init", "Write a starter platform.yaml for a target."),
    "validate": Entry("validate", "Check platform.yaml: structure, types and cross-field rules."),
    "render": Entry("render", "Render platform.yaml into a layered Terraform repository."),
    "schema": Entry("schema", "Print the JSON Schema of platform.yaml."),
    "plan": Entry("lifecycle", "Plan the selected units and run the review gate on each plan."),
    "apply": Entry("lifecycle", "Apply the plans saved by `plan` while they are still current."),
    "destroy": Entry("lifecycle", "Destroy the selected units (platform before base)."),
    "up": Entry("lifecycle", "Render, plan and apply environments in one go."),
    "status": Entry("lifecycle", "What each unit holds and whether its saved plan is current."),
    "output": Entry("lifecycle", "The outputs of every selected unit (sensitive values hidden)."),
    "rollback": Entry("lifecycle", "Return an environment to an earlier git revision."),
    "check": Entry("check", "Check Terraform code against ML-aware guardrails."),
    "review": Entry("review", "Review Terraform plans before they are applied."),
    "drift": Entry("drift", "Find what changed outside Terraform."),
    "parity": Entry("parity", "Compare environments: spec, code and real resources."),
    "rules": Entry("rules", "List the rules of `check`, or explain one."),
    "cost": Entry("cost", "Price the GPU pools of every environment; check budgets."),
    "pricing": Entry("pricing", "The GPU prices `cost` uses: catalog and your overlay."),
    "affected": Entry("ci", "Which units a change touches, in plan/apply order."),
    "ci": Entry("ci", "Render CI/CD pipelines (GitHub Actions, GitLab CI)."),
    "history": Entry("history", "Who changed which unit, when, why, and how it ended."),
}
HELP = "Declare an ML platform once in platform.yaml; render it into layered Terraform, run it, govern it."


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mlstrata {__version__}")
        raise typer.Exit(0)


def build_app(command: str | None = None) -> typer.Typer:
    """The CLI with the module that provides `command`; for no or an unknown command, the root alone,
    its help listing every command from `COMMANDS` without importing one."""
    known = command in COMMANDS
    app = typer.Typer(
        cls=_plain_group() if known else None,
        name="mlstrata",
        help=HELP,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        # plain help for the root: typer's rich help alone costs more start-up than the 0.3 s budget
        rich_markup_mode="rich" if known else None,
    )

    @app.callback()
    def _root(
        version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                     help="Print the version and exit."),
    ) -> None:
        """Declare an ML platform once in platform.yaml; render it into layered Terraform, run it, govern it."""

    if command is not None and known:
        import importlib

        from mlstrata.cli.coercion import use_plain_coercion

        importlib.import_module(f"mlstrata.cli.{COMMANDS[command].module}").register(app)
        # only the command being run: Typer builds the parameters of every registered command at start-up
        # (`plan` would pay for apply, destroy, status, output, up and rollback too)
        app.registered_commands = [c for c in app.registered_commands if _command_name(c) == command]
        app.registered_groups = [g for g in app.registered_groups if g.name == command]
        use_plain_coercion(app)
        _escape_option_help(app)
    else:
        for name, entry in COMMANDS.items():
            app.command(name, help=entry.summary, add_help_option=False)(_listed)
    return app


def _command_name(info: typer.models.CommandInfo) -> str:
    return info.name or (info.callback.__name__ if info.callback else "")


def _plain_group() -> type[typer.core.TyperGroup]:
    from mlstrata.cli.coercion import PlainGroup  # option values without pydantic (see there)

    return PlainGroup


def _listed() -> None:
    """Stands for a command in the root's help; never run (a known command builds its real app)."""
    raise typer.Exit(2)


# what rich would read as a markup tag (rich.markup.escape's pattern; rich itself is imported only for help)
_MARKUP_TAG = re.compile(r"(\\*)(\[[a-z#/@][^[]*?])")


def _escape_option_help(app: typer.Typer) -> None:
    """Option help is plain text: `[default: infra/ beside the spec]` must not be read as rich markup
    (which drops it and leaves "The rendered repository .")."""
    import inspect

    from typer.models import ParameterInfo

    commands = list(app.registered_commands)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            commands += group.typer_instance.registered_commands
    for command in commands:
        if command.callback is None:
            continue
        for param in inspect.signature(command.callback).parameters.values():
            info = param.default
            if isinstance(info, ParameterInfo) and info.help and "[" in info.help and "\\[" not in info.help:
                info.help = _MARKUP_TAG.sub(lambda m: f"{m[1]}{m[1]}\\{m[2]}", info.help)


# Values a command hands over to outlive it (`keep_until_exit`): a list only in a process that `main` runs,
# which then ends without freeing them.
_held: list[object] | None = None


def keep_until_exit() -> Callable[[object], None] | None:
    """Where a command can hand large values it is done with, to spare freeing them: in a process `main` runs
    they are kept, and the process ends without tearing the interpreter down (freeing a 20k-change plan's
    millions of objects, then the interpreter's, takes ~0.1 s); None where the command runs inside another
    program (tests' CliRunner), which frees them as usual."""
    return _held.append if _held is not None else None


def _end(code: int) -> None:
    """Exit at once with `code` when values are held: stdout and stderr already flushed (`output_lost`), nothing
    freed, no exit handlers (a command that holds values registers none)."""
    if _held:
        os._exit(code)


def main() -> None:
    global _held
    command = next((a for a in sys.argv[1:] if not a.startswith("-")), None)
    # start-up makes tens of thousands of objects that live as long as the process (modules, classes,
    # functions): collections during it scan them in vain (~10% of a command's start-up CPU), and frozen
    # they stay out of the collections the command itself triggers
    gc.disable()
    try:
        app = build_app(command)
    finally:
        gc.freeze()
        gc.enable()
    from mlstrata.cli.streams import output_lost, watch

    out, err = watch()
    _held = []
    ended = SystemExit(0)
    try:
        app()
    except SystemExit as done:
        ended = done
    except OSError:
        if out.failure is None and err.failure is None:
            raise  # not a write to stdout or stderr: the command's own failure
    # a report that could not be written (a full disk, a closed pipe) must not end as a success or a traceback
    lost = output_lost(out, err)
    if lost is not None:
        ended = SystemExit(lost)
    if ended.code is None or isinstance(ended.code, int):
        _end(ended.code or 0)
    raise ended
