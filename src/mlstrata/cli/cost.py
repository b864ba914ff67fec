"""`mlstrata cost`: what each environment's GPU pools cost, and what a plan changes, before applying."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from mlstrata.cli.common import SpecOption, bad_format, command, format_option, load_spec_or_report, usage_error
from mlstrata.cli.output import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    bad_input_line,
    err_console,
    out_console,
    show_diagnostics,
)
from mlstrata.cost.estimate import PoolChange, plan_delta, plan_total, plan_unpriced, platform_cost
from mlstrata.diagnostics import Diagnostic
from mlstrata.plan import load_plan
from mlstrata.pricing import load_price_book
from mlstrata.spec.resolve import resolve
from mlstrata.userfiles import check_writable, write_user_file
from mlstrata.views import cost as cost_views
from mlstrata.workspace import check_selection


def cost(
    spec: Path = SpecOption,
    env: str | None = typer.Option(None, "--env", "-e", help="Only this environment."),
    plan: Path | None = typer.Option(None, "--plan", help="`terraform show -json` output: price its GPU pool changes.",
                                     dir_okay=False),
    region: str | None = typer.Option(None, "--region", help="Region of the plan's pools [default: --env's region]."),
    fmt: str = format_option("cost"),
    chart: Path | None = typer.Option(None, "--chart", help="Write a chart of each pool's min-max band "
                                      "(FILE.svg or FILE.png).",
                                      dir_okay=False),
) -> int:
    """Price every environment's GPU pools (hourly and monthly at min, desired and max; on-demand vs spot),
    check budgets and allowed families, and with --plan show the monthly change of each GPU pool it touches.

    Prices: the shipped catalog (with sources and dates) overlaid by .mlstrata/prices.json beside the spec
    (see `mlstrata pricing`). Exit codes: 0 within policy, 1 a budget or family policy fails, 2 bad input.
    """
    if bad_format("cost", fmt):
        return EXIT_USAGE
    if chart is not None and chart.suffix.lower() not in (".svg", ".png"):
        usage_error(f"cannot write {chart}: charts are SVG or PNG", "use --chart FILE.svg or --chart FILE.png")
        return EXIT_USAGE
    if chart is not None:
        check_writable(chart, what="chart", parents=True)
    loaded = load_spec_or_report(spec, fmt)
    if loaded is None:
        return EXIT_USAGE
    unknown = check_selection(loaded, [env] if env is not None else None, None)
    if unknown:
        show_diagnostics(unknown, fmt)
        return EXIT_USAGE
    envs = resolve(loaded.platform, loaded.source.data)
    book, problems = load_price_book(spec)
    if book is None:
        show_diagnostics(problems, fmt)
        return EXIT_USAGE
    report = platform_cost(loaded.platform, envs, book, loaded.source, env)
    changes: list[PoolChange] | None = None
    plan_diags: list[Diagnostic] = []
    if plan is not None:
        decoded, errors = load_plan(plan)
        if decoded is None:
            if fmt == "json":
                show_diagnostics(errors, "json")
            else:  # one line, as `review` reports a plan it cannot read
                usage_error(bad_input_line(errors[0]))
            return EXIT_USAGE
        plan_region = region or (envs[env].region if env else loaded.platform.region)
        rows = [(rc.address, rc.type, rc.action.value, rc.before, rc.after) for rc in decoded.changes]
        changes, plan_diags = plan_delta(rows, book, report.cloud, plan_region)
    if chart is not None:
        if chart.suffix.lower() == ".png":
            write_user_file(chart, cost_views.chart_png(report), what="chart", parents=True)
        else:
            write_user_file(chart, cost_views.chart_svg(report), what="chart", parents=True)
    if fmt == "json":
        payload = report.to_dict()
        if changes is not None:
            payload["plan"] = {"changes": [c.to_dict() for c in changes],
                               "total": {**{w: plan_total(changes, w) for w in ("min", "desired", "max")},
                                         "unpriced_changes": plan_unpriced(changes)},
                               "diagnostics": [d.to_dict() for d in plan_diags]}
        sys.stdout.write(json.dumps(payload, indent=2, sort_keys=True) + "\n")
    elif fmt == "markdown":
        sys.stdout.write(cost_views.markdown(report, changes))
        show_diagnostics(plan_diags)
    else:
        cost_views.show_human(report, changes, out_console())
        show_diagnostics([*report.diagnostics, *plan_diags])
    if chart is not None and fmt != "json":
        err_console().print(f"chart written to {chart}")
    return EXIT_FINDINGS if report.failed else EXIT_OK


def register(app: typer.Typer) -> None:
    app.command("cost")(command(cost))
