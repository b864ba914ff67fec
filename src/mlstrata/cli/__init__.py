"""The `mlstrata` command: one module per command (or per family of commands), registered explicitly.

Only the module of the command being run is imported, so `mlstrata plan` does not pay for the
guardrail rules or the price catalog; `--help` and unknown commands load them all.
"""

from __future__ import annotations

import importlib
import inspect
import sys

import typer

from mlstrata import __version__

# command name -> module under mlstrata.cli that registers it
COMMANDS: dict[str, str] = {
    "init": "init",
    "validate": "validate",
    "render": "render",
    "schema": "schema",
    "plan": "lifecycle",
    "apply": "lifecycle",
    "destroy": "lifecycle",
    "up": "lifecycle",
    "status": "lifecycle",
    "output": "lifecycle",
    "check": "check",
    "review": "review",
    "drift": "drift",
    "parity": "parity",
    "rules": "rules",
    "cost": "cost",
    "pricing": "pricing",
    "affected": "ci",
    "ci": "ci",
    "history": "history",
    "rollback": "lifecycle",
}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mlstrata {__version__}")
        raise typer.Exit(0)


def build_app(command: str | None = None) -> typer.Typer:
    """The CLI with every command, or only the module that provides `command`."""
    app = typer.Typer(
        name="mlstrata",
        help="Declare an ML platform once in platform.yaml; render it into layered Terraform, run it, govern it.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode="rich",
    )

    @app.callback()
    def _root(
        version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                     help="Print the version and exit."),
    ) -> None:
        """Declare an ML platform once in platform.yaml; render it into layered Terraform, run it, govern it."""

    wanted = [COMMANDS[command]] if command in COMMANDS else list(dict.fromkeys(COMMANDS.values()))
    for name in wanted:
        importlib.import_module(f"mlstrata.cli.{name}").register(app)
    _escape_option_help(app)
    return app


def _escape_option_help(app: typer.Typer) -> None:
    """Option help is plain text: `[default: infra/ beside the spec]` must not be read as rich markup
    (which drops it and leaves "The rendered repository .")."""
    from rich.markup import escape
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
                info.help = escape(info.help)


def main() -> None:
    command = next((a for a in sys.argv[1:] if not a.startswith("-")), None)
    build_app(command)()
