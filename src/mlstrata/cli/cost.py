"""`mlstrata cost`: what each environment's GPU pools cost, and what a plan changes, before applying."""

from __future__ import annotations

import json
import sys
from html import escape
from pathlib import Path

import typer
from rich.table import Table

from mlstrata.analysis.cost import CostReport, PoolChange, plan_delta, platform_cost
from mlstrata.cli.common import SpecOption, check_format, load_or_exit
from mlstrata.cli.output import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, err_console, out_console, show_diagnostics
from mlstrata.diagnostics import Diagnostic
from mlstrata.plan import load_plan
from mlstrata.pricing import PriceBook, load_overlay, load_shipped_catalog, overlay_path
from mlstrata.pricing.catalog import CatalogError
from mlstrata.spec.resolve import resolve

FORMATS = ("human", "json", "markdown")


def _money(value: float | None) -> str:
    return "unpriced" if value is None else f"${value:,.2f}"


def _delta(value: float | None) -> str:
    return "unpriced" if value is None else f"{'+' if value >= 0 else '-'}${abs(value):,.2f}"


def markdown(report: CostReport, changes: list[PoolChange] | None) -> str:
    """The report as Markdown (for PR comments)."""
    lines = [f"## GPU cost: {report.platform} ({report.cloud}, 730 h/month)", ""]
    lines += ["| env | pool | type | capacity | nodes min/desired/max | $/month min | desired | max | "
              "on-demand vs spot (per node/month) |", "|---|---|---|---|---|---:|---:|---:|---|"]
    for env in report.envs:
        for p in env.pools:
            note = f"{_money(p.on_demand_per_hour and p.on_demand_per_hour * 730)} vs " \
                   f"{_money(p.spot_per_hour and p.spot_per_hour * 730)}"
            if p.type_range_monthly_max:
                low, high = p.type_range_monthly_max
                note += f"; max across types {_money(low)}-{_money(high)}"
            if p.rate and p.rate.basis != p.capacity.replace("_", "-"):
                note += f"; {p.rate.basis}"
            desired = f"{p.desired}{' (autoscaler: min)' if p.desired_from_autoscaler else ''}"
            lines.append(f"| {env.name} | {p.pool} | {', '.join(p.instance_types)} | {p.capacity} | "
                         f"{p.min}/{desired}/{p.max} | {_money(p.monthly(p.min))} | {_money(p.monthly(p.desired))} | "
                         f"{_money(p.monthly(p.max))} | {note} |")
        budget = f" (budget {_money(env.budget_monthly_usd)})" if env.budget_monthly_usd is not None else ""
        unpriced = f" — unpriced: {', '.join(env.unpriced)}" if env.unpriced else ""
        lines.append(f"| **{env.name} total**{budget} | | | | | {_money(env.total_monthly('min'))} | "
                     f"{_money(env.total_monthly('desired'))} | {_money(env.total_monthly('max'))} | {unpriced} |")
    lines.append(f"| **platform** | | | | | {_money(report.total_monthly('min'))} | "
                 f"{_money(report.total_monthly('desired'))} | {_money(report.total_monthly('max'))} | |")
    if changes is not None:
        lines += ["", "### Plan: monthly change per GPU pool", "",
                  "| resource | action | before (desired) | after (desired) | change | change at max |",
                  "|---|---|---:|---:|---:|---:|"]
        for c in changes:
            before, after, delta = c.monthly("desired")
            lines.append(f"| `{c.address}` | {c.action} | {_money(before)} | {_money(after)} | {_delta(delta)} | "
                         f"{_delta(c.monthly('max')[2])} |")
        if not changes:
            lines.append("| (no GPU pool changes) | | | | | |")
    problems = [d for d in report.diagnostics]
    if problems:
        lines += ["", "### Findings", ""] + [f"- **{d.severity.value}** {escape(d.headline())}" for d in problems]
    return "\n".join(lines) + "\n"


def chart_svg(report: CostReport) -> str:
    """Per environment, the min-max monthly band of each pool (a bar from min to max, a tick at desired)."""
    rows = [(env.name, p) for env in report.envs for p in env.pools]
    top = max((p.monthly(p.max) or 0.0 for _, p in rows), default=0.0) or 1.0
    left, width, row_h, head = 260, 520, 26, 40
    height = head + row_h * max(len(rows), 1) + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 140}" height="{height}" '
           f'font-family="sans-serif" font-size="12">',
           f'<text x="10" y="22" font-size="14" font-weight="bold">GPU cost per month (min-max band, '
           f'tick = desired): {escape(report.platform)}</text>']
    for i, (env, p) in enumerate(rows):
        y = head + i * row_h
        out.append(f'<text x="10" y="{y + 15}">{escape(env)} / {escape(p.pool)} ({escape(p.instance_type)})</text>')
        low, want, high = p.monthly(p.min), p.monthly(p.desired), p.monthly(p.max)
        if low is None or want is None or high is None:
            out.append(f'<text x="{left}" y="{y + 15}" fill="#b00">unpriced</text>')
            continue
        x0, x1 = left + width * low / top, left + width * high / top
        out.append(f'<rect x="{x0:.1f}" y="{y + 4}" width="{max(x1 - x0, 2):.1f}" height="14" fill="#4a7bd0"/>')
        xd = left + width * want / top
        out.append(f'<line x1="{xd:.1f}" y1="{y + 1}" x2="{xd:.1f}" y2="{y + 21}" stroke="#111" stroke-width="2"/>')
        out.append(f'<text x="{x1 + 6:.1f}" y="{y + 15}">{escape(_money(low))} - {escape(_money(high))}</text>')
    out.append(f'<text x="{left}" y="{height - 12}">0</text>')
    out.append(f'<text x="{left + width - 60}" y="{height - 12}">{escape(_money(top))}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def chart_png(report: CostReport, path: Path) -> None:
    """The same chart as `chart_svg`, as a PNG for PR comments (Pillow's built-in font, deterministic)."""
    from PIL import Image, ImageDraw, ImageFont  # only --chart FILE.png needs Pillow

    rows = [(env.name, p) for env in report.envs for p in env.pools]
    top = max((p.monthly(p.max) or 0.0 for _, p in rows), default=0.0) or 1.0
    left, width, row_h, head = 260, 520, 26, 40
    height = head + row_h * max(len(rows), 1) + 40
    image = Image.new("RGB", (left + width + 160, height), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    draw.text((10, 12), f"GPU cost per month (min-max band, tick = desired): {report.platform}", fill="black",
              font=font)
    for i, (env, p) in enumerate(rows):
        y = head + i * row_h
        draw.text((10, y + 5), f"{env} / {p.pool} ({p.instance_type})", fill="black", font=font)
        low, want, high = p.monthly(p.min), p.monthly(p.desired), p.monthly(p.max)
        if low is None or want is None or high is None:
            draw.text((left, y + 5), "unpriced", fill=(176, 0, 0), font=font)
            continue
        x0, x1 = left + width * low / top, left + width * high / top
        draw.rectangle([x0, y + 4, max(x1, x0 + 2), y + 18], fill=(74, 123, 208))
        xd = left + width * want / top
        draw.line([xd, y + 1, xd, y + 21], fill=(17, 17, 17), width=2)
        draw.text((max(x1, x0 + 2) + 6, y + 5), f"{_money(low)} - {_money(high)}", fill="black", font=font)
    draw.text((left, height - 20), "0", fill="black", font=font)
    draw.text((left + width - 60, height - 20), _money(top), fill="black", font=font)
    image.save(path, format="PNG", optimize=False)


def _human(report: CostReport, changes: list[PoolChange] | None) -> None:
    table = Table(title=f"GPU cost per month: {report.platform} ({report.cloud}, 730 h)")
    for col in ("env", "pool", "type", "capacity", "min/desired/max", "min", "desired", "max", "notes"):
        table.add_column(col, justify="right" if col in ("min", "desired", "max") else "left")
    for env in report.envs:
        for p in env.pools:
            notes = []
            if p.rate and p.rate.basis != p.capacity.replace("_", "-"):
                notes.append(p.rate.basis)
            if p.spot_per_hour is not None and p.capacity != "spot" and p.rate is not None:
                notes.append(f"spot at max {_money(p.spot_per_hour * p.max * 730)}")
            if p.type_range_monthly_max:
                notes.append(f"max across types {_money(p.type_range_monthly_max[0])}-"
                             f"{_money(p.type_range_monthly_max[1])}")
            desired = f"{p.desired}{'*' if p.desired_from_autoscaler else ''}"
            table.add_row(env.name, p.pool, ", ".join(p.instance_types), p.capacity, f"{p.min}/{desired}/{p.max}",
                          _money(p.monthly(p.min)), _money(p.monthly(p.desired)), _money(p.monthly(p.max)),
                          "; ".join(notes))
        budget = f" (budget {_money(env.budget_monthly_usd)})" if env.budget_monthly_usd is not None else ""
        table.add_row(f"[bold]{env.name} total[/]{budget}", "", "", "", "", _money(env.total_monthly("min")),
                      _money(env.total_monthly("desired")), _money(env.total_monthly("max")),
                      ("unpriced: " + ", ".join(env.unpriced)) if env.unpriced else "", end_section=True)
    table.add_row("[bold]platform[/]", "", "", "", "", _money(report.total_monthly("min")),
                  _money(report.total_monthly("desired")), _money(report.total_monthly("max")), "")
    out_console.print(table)
    out_console.print("* desired is owned by the autoscaler: priced at min.")
    if changes is not None:
        plan = Table(title="Plan: monthly change per GPU pool (at desired; at max)")
        for col in ("resource", "action", "before", "after", "change", "change at max"):
            plan.add_column(col)
        for c in changes:
            before, after, delta = c.monthly("desired")
            plan.add_row(c.address, c.action, _money(before), _money(after), _delta(delta), _delta(c.monthly("max")[2]))
        out_console.print(plan)


def cost(
    spec: Path = SpecOption,
    env: str | None = typer.Option(None, "--env", "-e", help="Only this environment."),
    plan: Path | None = typer.Option(None, "--plan", help="`terraform show -json` output: price its GPU pool changes.",
                                     dir_okay=False),
    region: str | None = typer.Option(None, "--region", help="Region of the plan's pools [default: --env's region]."),
    fmt: str = typer.Option("human", "--format", help="Output format: human, json or markdown."),
    chart: Path | None = typer.Option(None, "--chart", help="Write a chart of each pool's min-max band "
                                      "(FILE.svg or FILE.png).",
                                      dir_okay=False),
) -> None:
    """Price every environment's GPU pools (hourly and monthly at min, desired and max; on-demand vs spot),
    check budgets and allowed families, and with --plan show the monthly change of each GPU pool it touches.

    Prices: the shipped catalog (with sources and dates) overlaid by .mlstrata/prices.json beside the spec
    (see `mlstrata pricing`). Exit codes: 0 within policy, 1 a budget or family policy fails, 2 bad input.
    """
    check_format(fmt, FORMATS)
    if chart is not None and chart.suffix.lower() not in (".svg", ".png"):
        err_console.print(f"[bold red]error[/]: cannot write {chart}: charts are SVG or PNG\n"
                          "  [dim]hint:[/] use --chart FILE.svg or --chart FILE.png")
        raise typer.Exit(EXIT_USAGE)
    loaded = load_or_exit(spec, "json" if fmt == "json" else "human")
    envs = resolve(loaded.platform, loaded.source.data)
    if env is not None and env not in envs:
        err_console.print(f"[bold red]error[/]: unknown environment `{env}`\n"
                          f"  [dim]hint:[/] environments: {', '.join(sorted(envs))}")
        raise typer.Exit(EXIT_USAGE)
    try:
        catalog = load_shipped_catalog()
    except CatalogError as exc:
        show_diagnostics(exc.diagnostics, fmt)
        raise typer.Exit(EXIT_USAGE) from None
    overlay, problems = load_overlay(overlay_path(spec))
    if problems:
        show_diagnostics(problems, "json" if fmt == "json" else "human")
        raise typer.Exit(EXIT_USAGE)
    book = PriceBook(catalog, overlay)
    report = platform_cost(loaded.platform, envs, book, loaded.source, env)
    changes: list[PoolChange] | None = None
    plan_diags: list[Diagnostic] = []
    if plan is not None:
        decoded, errors = load_plan(plan)
        if decoded is None:
            show_diagnostics(errors, "json" if fmt == "json" else "human")
            raise typer.Exit(EXIT_USAGE)
        plan_region = region or (envs[env].region if env else loaded.platform.region)
        rows = [(rc.address, rc.type, rc.action.value, rc.before, rc.after) for rc in decoded.changes]
        changes, plan_diags = plan_delta(rows, book, report.cloud, plan_region)
    if chart is not None:
        chart.parent.mkdir(parents=True, exist_ok=True)
        if chart.suffix.lower() == ".png":
            chart_png(report, chart)
        else:
            chart.write_text(chart_svg(report), encoding="utf-8")
    if fmt == "json":
        payload = report.to_dict()
        if changes is not None:
            payload["plan"] = {"changes": [c.to_dict() for c in changes],
                               "diagnostics": [d.to_dict() for d in plan_diags]}
        sys.stdout.write(json.dumps(payload, indent=2, sort_keys=True) + "\n")
    elif fmt == "markdown":
        sys.stdout.write(markdown(report, changes))
        show_diagnostics(plan_diags)
    else:
        _human(report, changes)
        show_diagnostics([*report.diagnostics, *plan_diags])
    raise typer.Exit(EXIT_FINDINGS if report.failed else EXIT_OK)


def register(app: typer.Typer) -> None:
    app.command("cost")(cost)
