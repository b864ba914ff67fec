"""`mlstrata schema`: the JSON Schema of platform.yaml, for editors and CI."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from mlstrata import __version__
from mlstrata.cli.common import command
from mlstrata.cli.output import EXIT_OK, err_console
from mlstrata.spec.models import Platform
from mlstrata.userfiles import write_user_file


def spec_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of the spec, deterministic."""
    schema = Platform.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://mlstrata.dev/schema/platform-{__version__}.json"
    schema["title"] = "mlstrata platform spec"
    return schema


def schema(
    out: Path | None = typer.Option(None, "--out", "-o", help="Write to this file instead of stdout."),
) -> int:
    """Print the JSON Schema of platform.yaml.

    Point your editor at it for completion and inline errors, e.g. with the YAML language server put
    `# yaml-language-server: $schema=./platform.schema.json` on the first line of platform.yaml after
    `mlstrata schema -o platform.schema.json`.
    """
    text = json.dumps(spec_schema(), indent=2, sort_keys=True) + "\n"
    if out is None:
        sys.stdout.write(text)
    else:
        write_user_file(out, text, what="schema")
        err_console().print(f"[green]✓[/] wrote {out}")
    return EXIT_OK


def register(app: typer.Typer) -> None:
    app.command("schema")(command(schema))
