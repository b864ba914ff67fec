"""The `mlstrata` command: one module per command, registered explicitly below."""

from __future__ import annotations

import typer

from mlstrata import __version__
from mlstrata.cli import check, cost, init, lifecycle, pricing, render, rules, schema, validate

app = typer.Typer(
    name="mlstrata",
    help="Declare an ML platform once in platform.yaml; render it into layered Terraform, run it, govern it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

COMMANDS = (init, validate, render, schema, lifecycle, check, rules, cost, pricing)
for command in COMMANDS:
    command.register(app)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mlstrata {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """Declare an ML platform once in platform.yaml; render it into layered Terraform, run it, govern it."""


def main() -> None:
    app()
