"""Cost reports as a rich table, Markdown (PR comments) and a min-max band chart (SVG or PNG)."""

from __future__ import annotations

import io
import math
from html import escape

from rich.console import Console
from rich.table import Table
from rich.text import Text

from mlstrata.cost.estimate import CostReport, PoolChange, PoolCost, plan_total, plan_unpriced
from mlstrata.cost.money import money, signed_money
from mlstrata.views.markdown import cell


def markdown(report: CostReport, changes: list[PoolChange] | None) -> str:
    """The report as Markdown (for PR comments)."""
    lines = [f"## GPU cost: {report.platform} ({report.cloud}, 730 h/month)", ""]
    lines += ["| env | pool | type | capacity | nodes min/desired/max | $/month min | desired | max | "
              "on-demand vs spot (per node/month) |", "|---|---|---|---|---|---:|---:|---:|---|"]
    for env in report.envs:
        for p in env.pools:
            note = f"{money(p.on_demand_per_hour and p.on_demand_per_hour * 730)} vs " \
                   f"{money(p.spot_per_hour and p.spot_per_hour * 730)}"
            if p.type_range_monthly_max:
                low, high = p.type_range_monthly_max
                note += f"; max across types {money(low)}-{money(high)}"
            if p.rate and p.rate.basis != p.capacity.replace("_", "-"):
                note += f"; {p.rate.basis}"
            desired = f"{p.desired}{' (autoscaler: min)' if p.desired_from_autoscaler else ''}"
            lines.append(f"| {env.name} | {p.pool} | {', '.join(p.instance_types)} | {p.capacity} | "
                         f"{p.min}/{desired}/{p.max} | {money(p.monthly(p.min))} | {money(p.monthly(p.desired))} | "
                         f"{money(p.monthly(p.max))} | {note} |")
        budget = f" (budget {money(env.budget_monthly_usd)})" if env.budget_monthly_usd is not None else ""
        unpriced = f" — unpriced: {', '.join(env.unpriced)}" if env.unpriced else ""
        lines.append(f"| **{env.name} total**{budget} | | | | | {money(env.total_monthly('min'))} | "
                     f"{money(env.total_monthly('desired'))} | {money(env.total_monthly('max'))} | {unpriced} |")
    lines.append(f"| **platform** | | | | | {money(report.total_monthly('min'))} | "
                 f"{money(report.total_monthly('desired'))} | {money(report.total_monthly('max'))} | |")
    serving = [c for env in report.envs for c in env.serving]
    if serving:
        lines += ["", "### Serving GPU capacity (part of the pools above)", "",
                  "| env | endpoint class | pool | GPUs/replica | replicas min/max | nodes min/max | "
                  "$/month min | max |",
                  "|---|---|---|---:|---|---|---:|---:|"]
        for sc in serving:
            lines.append(f"| {sc.env} | {sc.endpoint} | {sc.pool} ({sc.instance_type}) | {sc.gpus_per_replica} | "
                         f"{sc.min_replicas}/{sc.max_replicas} | {sc.nodes(sc.min_replicas)}/"
                         f"{sc.nodes(sc.max_replicas)} | {money(sc.monthly(sc.min_replicas))} | "
                         f"{money(sc.monthly(sc.max_replicas))} |")
    hosted = [h for env in report.envs for h in env.sagemaker]
    if hosted:
        lines += ["", "### SageMaker endpoints (billed on top of the pools above)", "",
                  "| env | endpoint class | kind | instance type | instances min/max | $/month min | max | price |",
                  "|---|---|---|---|---|---:|---:|---|"]
        for h in hosted:
            price = f"{h.rate.price.source} ({h.rate.price.date})" if h.rate is not None else "no sourced price"
            lines.append(f"| {h.env} | {h.endpoint} | {h.kind} | {h.instance_type or 'serverless'} | "
                         f"{h.min_instances}/{h.max_instances} | {money(h.monthly(h.min_instances))} | "
                         f"{money(h.monthly(h.max_instances))} | {cell(price)} |")
    if changes is not None:
        lines += ["", "### Plan: monthly change per GPU pool", "",
                  "| resource | action | before (desired) | after (desired) | change | change at max |",
                  "|---|---|---:|---:|---:|---:|"]
        for c in changes:
            before, after, delta = c.monthly("desired")
            lines.append(f"| `{c.address}` | {c.action} | {money(before)} | {money(after)} | {signed_money(delta)} | "
                         f"{signed_money(c.monthly('max')[2])} |")
        if not changes:
            lines.append("| (no GPU pool changes) | | | | | |")
        else:
            lines.append(f"| **total**{_unpriced_note(changes)} | | | | **{signed_money(plan_total(changes))}** | "
                         f"**{signed_money(plan_total(changes, 'max'))}** |")
    problems = [d for d in report.diagnostics]
    if problems:
        lines += ["", "### Findings", ""] + [f"- **{d.severity.value}** {escape(d.headline())}" for d in problems]
    return "\n".join(lines) + "\n"


def _unpriced_note(changes: list[PoolChange]) -> str:
    n = plan_unpriced(changes)
    return f" (without {n} unpriced change{'s' if n != 1 else ''})" if n else ""


def _scale(value: float, top: float, width: float) -> float:
    """Log scale (log10 of 1 + dollars): a $700 pool stays visible beside a $290,000 one."""
    return width * math.log10(1 + value) / math.log10(1 + top)


def _label(env: str, p: PoolCost) -> str:
    return f"{env} / {p.pool} ({', '.join(p.instance_types)})"


def chart_svg(report: CostReport) -> str:
    """Per environment, the min-max monthly band of each pool (a bar from min to max, a tick at desired), on a log
    scale, each pool labelled with every instance type it may use."""
    rows = [(env.name, p) for env in report.envs for p in env.pools]
    top = max((p.monthly(p.max) or 0.0 for _, p in rows), default=0.0) or 1.0
    left, width, row_h, head = 360, 520, 26, 40
    height = head + row_h * max(len(rows), 1) + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 160}" height="{height}" '
           f'font-family="sans-serif" font-size="12">',
           f'<text x="10" y="22" font-size="14" font-weight="bold">GPU cost per month (min-max band, '
           f'tick = desired, log scale): {escape(report.platform)}</text>']
    for i, (env, p) in enumerate(rows):
        y = head + i * row_h
        out.append(f'<text x="10" y="{y + 15}">{escape(_label(env, p))}</text>')
        low, want, high = p.monthly(p.min), p.monthly(p.desired), p.monthly(p.max)
        if low is None or want is None or high is None:
            out.append(f'<text x="{left}" y="{y + 15}" fill="#b00">unpriced</text>')
            continue
        x0, x1 = left + _scale(low, top, width), left + _scale(high, top, width)
        out.append(f'<rect x="{x0:.1f}" y="{y + 4}" width="{max(x1 - x0, 2):.1f}" height="14" fill="#4a7bd0"/>')
        xd = left + _scale(want, top, width)
        out.append(f'<line x1="{xd:.1f}" y1="{y + 1}" x2="{xd:.1f}" y2="{y + 21}" stroke="#111" stroke-width="2"/>')
        out.append(f'<text x="{max(x1, x0 + 2) + 6:.1f}" y="{y + 15}">{escape(money(low))} - '
                   f'{escape(money(high))}</text>')
    out.append(f'<text x="{left}" y="{height - 12}">$0 (log scale)</text>')
    out.append(f'<text x="{left + width - 60}" y="{height - 12}">{escape(money(top))}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def chart_png(report: CostReport) -> bytes:
    """The same chart as `chart_svg`, as a PNG for PR comments (Pillow's built-in font, deterministic)."""
    from PIL import Image, ImageDraw, ImageFont  # only --chart FILE.png needs Pillow

    rows = [(env.name, p) for env in report.envs for p in env.pools]
    top = max((p.monthly(p.max) or 0.0 for _, p in rows), default=0.0) or 1.0
    left, width, row_h, head = 360, 520, 26, 40
    height = head + row_h * max(len(rows), 1) + 40
    image = Image.new("RGB", (left + width + 160, height), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    title = f"GPU cost per month (min-max band, tick = desired, log scale): {report.platform}"
    draw.text((10, 12), title, fill="black", font=font)
    for i, (env, p) in enumerate(rows):
        y = head + i * row_h
        draw.text((10, y + 5), _label(env, p), fill="black", font=font)
        low, want, high = p.monthly(p.min), p.monthly(p.desired), p.monthly(p.max)
        if low is None or want is None or high is None:
            draw.text((left, y + 5), "unpriced", fill=(176, 0, 0), font=font)
            continue
        x0, x1 = left + _scale(low, top, width), left + _scale(high, top, width)
        draw.rectangle([x0, y + 4, max(x1, x0 + 2), y + 18], fill=(74, 123, 208))
        xd = left + _scale(want, top, width)
        draw.line([xd, y + 1, xd, y + 21], fill=(17, 17, 17), width=2)
        draw.text((max(x1, x0 + 2) + 6, y + 5), f"{money(low)} - {money(high)}", fill="black", font=font)
    draw.text((left, height - 20), "$0 (log scale)", fill="black", font=font)
    draw.text((left + width - 60, height - 20), money(top), fill="black", font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def _whole_amounts(table: Table) -> Table:
    """Amounts are never cut: each column holding them is as wide as its widest amount, and the other columns
    fold (an 80-column terminal used to show `$1,4…`)."""
    for column in table.columns:
        cells = [str(c) for c in column.cells]
        if cells and any(c.lstrip("+-±").startswith("$") for c in cells):
            column.no_wrap = True
            column.min_width = max(len(Text.from_markup(c).plain) for c in [*cells, str(column.header)])
    return table


def show_human(report: CostReport, changes: list[PoolChange] | None, console: Console) -> None:
    """The cost table (and the plan's changes) printed on `console`."""
    table = Table(title=f"GPU cost per month: {report.platform} ({report.cloud}, 730 h)")
    for col in ("env", "pool", "type", "capacity", "min/desired/max", "min", "desired", "max", "notes"):
        table.add_column(col, justify="right" if col in ("min", "desired", "max") else "left", overflow="fold")
    for env in report.envs:
        for p in env.pools:
            notes = []
            if p.rate and p.rate.basis != p.capacity.replace("_", "-"):
                notes.append(p.rate.basis)
            if p.spot_per_hour is not None and p.capacity != "spot" and p.rate is not None:
                notes.append(f"spot at max {money(p.spot_per_hour * p.max * 730)}")
            if p.type_range_monthly_max:
                notes.append(f"max across types {money(p.type_range_monthly_max[0])}-"
                             f"{money(p.type_range_monthly_max[1])}")
            desired = f"{p.desired}{'*' if p.desired_from_autoscaler else ''}"
            table.add_row(env.name, p.pool, ", ".join(p.instance_types), p.capacity, f"{p.min}/{desired}/{p.max}",
                          money(p.monthly(p.min)), money(p.monthly(p.desired)), money(p.monthly(p.max)),
                          "; ".join(notes))
        budget = f" (budget {money(env.budget_monthly_usd)})" if env.budget_monthly_usd is not None else ""
        table.add_row(f"[bold]{env.name} total[/]{budget}", "", "", "", "", money(env.total_monthly("min")),
                      money(env.total_monthly("desired")), money(env.total_monthly("max")),
                      ("unpriced: " + ", ".join(env.unpriced)) if env.unpriced else "", end_section=True)
    table.add_row("[bold]platform[/]", "", "", "", "", money(report.total_monthly("min")),
                  money(report.total_monthly("desired")), money(report.total_monthly("max")), "")
    console.print(_whole_amounts(table))
    if any(p.desired_from_autoscaler for env in report.envs for p in env.pools):
        console.print("* desired is owned by the autoscaler: priced at min.")
    serving = [c for env in report.envs for c in env.serving]
    if serving:
        share = Table(title="Serving GPU capacity per month (part of the pools above)")
        for col in ("env", "endpoint class", "pool", "replicas min/max", "nodes min/max", "min", "max"):
            share.add_column(col, justify="right" if col in ("min", "max") else "left", overflow="fold")
        for sc in serving:
            share.add_row(sc.env, sc.endpoint, f"{sc.pool} ({sc.instance_type})",
                          f"{sc.min_replicas}/{sc.max_replicas}",
                          f"{sc.nodes(sc.min_replicas)}/{sc.nodes(sc.max_replicas)}",
                          money(sc.monthly(sc.min_replicas)), money(sc.monthly(sc.max_replicas)))
        console.print(_whole_amounts(share))
    hosted = [h for env in report.envs for h in env.sagemaker]
    if hosted:
        endpoints = Table(title="SageMaker endpoints per month (billed on top of the pools above)")
        for col in ("env", "endpoint class", "kind", "instance type", "instances min/max", "min", "max", "price"):
            endpoints.add_column(col, justify="right" if col in ("min", "max") else "left", overflow="fold")
        for h in hosted:
            endpoints.add_row(h.env, h.endpoint, h.kind, h.instance_type or "serverless",
                              f"{h.min_instances}/{h.max_instances}", money(h.monthly(h.min_instances)),
                              money(h.monthly(h.max_instances)),
                              f"{h.rate.price.source} ({h.rate.price.date})" if h.rate else "no sourced price")
        console.print(_whole_amounts(endpoints))
    if changes is not None:
        plan = Table(title="Plan: monthly change per GPU pool (at desired; at max)")
        for col in ("resource", "action", "before", "after", "change", "change at max"):
            plan.add_column(col, overflow="fold")
        for c in changes:
            before, after, delta = c.monthly("desired")
            plan.add_row(c.address, c.action, money(before), money(after), signed_money(delta),
                         signed_money(c.monthly("max")[2]))
        if changes:
            plan.add_row(f"[bold]total[/]{_unpriced_note(changes)}", "", "", "",
                         f"[bold]{signed_money(plan_total(changes))}[/]",
                         f"[bold]{signed_money(plan_total(changes, 'max'))}[/]")
        console.print(_whole_amounts(plan))
