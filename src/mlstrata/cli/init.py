"""`mlstrata init`: write a commented starter platform.yaml."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import typer

from mlstrata.cli.common import command, usage_error
from mlstrata.cli.output import EXIT_OK, EXIT_USAGE, err_console
from mlstrata.targets.registry import TARGETS
from mlstrata.userfiles import write_user_file


def starter_spec(target: str) -> str:
    return resources.files("mlstrata").joinpath("templates", f"platform.{target}.yaml").read_text("utf-8")


def init(
    target: str = typer.Option("aws", "--target", "-t", help=f"Target cloud: {', '.join(sorted(TARGETS))}."),
    path: Path = typer.Option(Path("platform.yaml"), "--spec", "-f", help="Where to write the spec."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> int:
    """Write a commented starter platform.yaml for a target (three environments, two GPU pools, a model
    registry, artifact stores, pipeline dependencies and observability) that validates and renders as is."""
    if target not in TARGETS:
        usage_error(f"unknown target `{target}`", f"available targets: {', '.join(sorted(TARGETS))}")
        return EXIT_USAGE
    if path.exists() and not force:
        usage_error(f"{path} already exists", "pass --force to overwrite it, or --spec OTHER.yaml")
        return EXIT_USAGE
    write_user_file(path, starter_spec(target), what="spec file", parents=True)
    err_console().print(f"[green]✓[/] wrote {path} (target {target}). "
                        "Next: `mlstrata validate`, then `mlstrata render`.")
    return EXIT_OK


def register(app: typer.Typer) -> None:
    app.command("init")(command(init))
