"""`mlstrata rules`: list the guardrails, or explain one."""

from __future__ import annotations

import json
import sys

import typer
from rich.table import Table

from mlstrata.cli.output import EXIT_OK, EXIT_USAGE, err_console, out_console
from mlstrata.diagnostics import did_you_mean
from mlstrata.rules import rule_docs
from mlstrata.rules.base import RuleInfo


def _as_dict(info: RuleInfo) -> dict[str, str]:
    return {
        "id": info.id,
        "name": info.name,
        "family": info.family,
        "severity": info.severity.value,
        "title": info.title,
        "docs": info.docs,
        "hint": info.hint,
    }


def rules(
    rule_id: str | None = typer.Argument(None, metavar="[ID]", help="A rule id (MLS012) or name to explain."),
    fmt: str = typer.Option("human", "--format", help="Output format: human or json."),
) -> None:
    """List every rule of `mlstrata check` (id, severity, family, what it asks for), or explain one."""
    if fmt not in ("human", "json"):
        err_console.print(f"[bold red]error[/]: unknown format `{fmt}`; use human or json")
        raise typer.Exit(EXIT_USAGE)
    docs = rule_docs()
    if rule_id is None:
        if fmt == "json":
            sys.stdout.write(
                json.dumps([_as_dict(i) for i in docs.values()], indent=2, sort_keys=True) + "\n"
            )
            raise typer.Exit(EXIT_OK)
        table = Table(title="mlstrata check rules", show_lines=False)
        for col in ("id", "severity", "family", "name", "checks that"):
            table.add_column(col)
        for rule in docs.values():
            table.add_row(rule.id, rule.severity.value, rule.family, rule.name, rule.title)
        out_console.print(table)
        out_console.print("Explain one: mlstrata rules MLS012")
        raise typer.Exit(EXIT_OK)
    key = rule_id.strip()
    by_name = {i.name: i for i in docs.values()}
    info: RuleInfo | None = docs.get(key.upper()) or by_name.get(key.lower())
    if info is None:
        hint = did_you_mean(key.upper(), docs) or did_you_mean(key.lower(), by_name)
        err_console.print(
            f"[bold red]error[/]: no rule `{key}`{'; ' + hint if hint else ''} (`mlstrata rules` lists them)"
        )
        raise typer.Exit(EXIT_USAGE)
    if fmt == "json":
        sys.stdout.write(json.dumps(_as_dict(info), indent=2, sort_keys=True) + "\n")
        raise typer.Exit(EXIT_OK)
    out_console.print(f"[bold]{info.id}[/] {info.name} ({info.severity.value}, {info.family})")
    out_console.print(f"[bold]{info.title}[/]\n")
    out_console.print(info.docs, markup=False)
    out_console.print(f"\n[dim]fix:[/] {info.hint}", highlight=False)
    out_console.print(
        "\nSuppress one finding with a reason, on its line or the line above:\n"
        f"  # mlstrata:ignore {info.id} <why this is acceptable here>",
        markup=False,
    )
    raise typer.Exit(EXIT_OK)


def register(app: typer.Typer) -> None:
    app.command("rules")(rules)
