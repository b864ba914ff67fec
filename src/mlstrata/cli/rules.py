"""`mlstrata rules`: list the guardrails, or explain one."""

from __future__ import annotations

import json
import sys

import typer
from rich.table import Table

from mlstrata.cli.common import bad_format, command, format_option, usage_error
from mlstrata.cli.output import EXIT_OK, EXIT_USAGE, out_console
from mlstrata.diagnostics import did_you_mean
from mlstrata.rules.base import RuleInfo
from mlstrata.rules.registry import rule_docs


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
    fmt: str = format_option("rules"),
) -> int:
    """List every rule of `mlstrata check` (id, severity, family, what it asks for), or explain one."""
    if bad_format("rules", fmt):
        return EXIT_USAGE
    docs = rule_docs()
    if rule_id is None:
        if fmt == "json":
            sys.stdout.write(
                json.dumps([_as_dict(i) for i in docs.values()], indent=2, sort_keys=True) + "\n"
            )
            return EXIT_OK
        table = Table(title="mlstrata check rules", show_lines=False)
        for col in ("id", "severity", "family", "name", "checks that"):
            table.add_column(col, overflow="fold")
        for rule in docs.values():
            table.add_row(rule.id, rule.severity.value, rule.family, rule.name, rule.title)
        out_console().print(table)
        out_console().print("Explain one: mlstrata rules MLS012")
        return EXIT_OK
    key = rule_id.strip()
    by_name = {i.name: i for i in docs.values()}
    info: RuleInfo | None = docs.get(key.upper()) or by_name.get(key.lower())
    if info is None:
        hint = did_you_mean(key.upper(), docs) or did_you_mean(key.lower(), by_name)
        usage_error(f"no rule `{key}`{'; ' + hint if hint else ''} (`mlstrata rules` lists them)")
        return EXIT_USAGE
    if fmt == "json":
        sys.stdout.write(json.dumps(_as_dict(info), indent=2, sort_keys=True) + "\n")
        return EXIT_OK
    out_console().print(f"[bold]{info.id}[/] {info.name} ({info.severity.value}, {info.family})")
    out_console().print(f"[bold]{info.title}[/]\n")
    out_console().print(info.docs, markup=False)
    out_console().print(f"\n[dim]fix:[/] {info.hint}", highlight=False)
    out_console().print(
        "\nSuppress one finding with a reason, on its line or the line above:\n"
        f"  # mlstrata:ignore {info.id} <why this is acceptable here>",
        markup=False,
    )
    return EXIT_OK


def register(app: typer.Typer) -> None:
    app.command("rules")(command(rules))
