"""`mlstrata history`: the change journal of each unit, newest first."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from mlstrata.cli.common import (
    EnvOption,
    LayerOption,
    RepoOption,
    SpecOption,
    bad_format,
    command,
    format_option,
    load_spec_or_report,
)
from mlstrata.cli.output import EXIT_OK, EXIT_USAGE, err_console, out_console, show_diagnostics
from mlstrata.diagnostics import has_errors
from mlstrata.governance.history import read_history
from mlstrata.views import history as views
from mlstrata.workspace import check_selection, default_repo


def history(spec: Path = SpecOption, env: list[str] = EnvOption, layer: list[str] = LayerOption,
            out: Path | None = RepoOption, fmt: str = format_option("history")) -> int:
    """Who changed which unit, when, from which spec revision, with which plan and review verdict (and the
    reasons given for accepted findings), and how it ended; newest first, with since when each unit's
    state is what it is. A run that started and never finished (the process was killed) is shown as
    interrupted. Exit 0; 2 on bad input or an unreadable journal."""
    if bad_format("history", fmt):
        return EXIT_USAGE
    diag_fmt = "json" if fmt == "json" else "human"
    loaded = load_spec_or_report(spec, diag_fmt)
    if loaded is None:
        return EXIT_USAGE
    platform = loaded.platform
    problems = check_selection(loaded, env, layer)
    if problems:
        show_diagnostics(problems, diag_fmt)
        return EXIT_USAGE
    env_vars = {}
    if platform.state.backend == "pg" and platform.state.conn_str_env:
        env_vars["PG_CONN_STR"] = os.environ.get(platform.state.conn_str_env, "")
    result = read_history(platform, out or default_repo(spec), env, layer, env_vars)
    if fmt == "json":
        sys.stdout.write(views.to_json(result))
    elif fmt == "markdown":
        sys.stdout.write(views.to_markdown(result))
    else:
        for table in views.tables(result):
            out_console().print(table)
        if not result.runs and not has_errors(result.problems):
            err_console().print("no changes recorded yet (the journal starts with the first apply or destroy)")
    if result.problems and fmt != "json":
        show_diagnostics(result.problems)
    return EXIT_USAGE if has_errors(result.problems) else EXIT_OK


def register(app: typer.Typer) -> None:
    app.command("history")(command(history))
