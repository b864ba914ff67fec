"""Parity reports: a rich matrix (component x environment) and difference list, JSON, HTML, and a PNG
of the matrix (Pillow, imported only when a PNG is asked for) for pull-request comments."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from rich.table import Table

from mlstrata.parity.compare import ALLOWED, DECLARED, FINDING, Difference, ParityReport

_ICON = {FINDING: "✗", ALLOWED: "≈", DECLARED: "·"}
_COLOR = {FINDING: "#d73a49", ALLOWED: "#dbab09", DECLARED: "#6a737d", "same": "#28a745"}


def show_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def cell_text(report: ParityReport, component: str, env: str) -> tuple[str, str]:
    """(text, status) of one matrix cell: the worst status with counts, or `same`."""
    counts = report.cell(component, env)
    if env == report.reference and not any(counts.values()):
        return "reference", "same"
    parts = [f"{counts[s]} {s}" for s in (FINDING, ALLOWED, DECLARED) if counts[s]]
    if not parts:
        return "same", "same"
    worst = next(s for s in (FINDING, ALLOWED, DECLARED) if counts[s])
    return ", ".join(parts), worst


def verdict(report: ParityReport) -> str:
    n = len(report.findings)
    if n:
        return f"{n} unallowed difference(s) between {', '.join(report.envs)}"
    return f"{', '.join(report.envs)} are at parity (allowed and declared differences only)"


def matrix_table(report: ParityReport) -> Table:
    table = Table(title=f"parity — reference: {report.reference} (levels: {', '.join(report.levels)})",
                  title_justify="left")
    table.add_column("component")
    for env in report.envs:
        table.add_column(env)
    styles = {FINDING: "bold red", ALLOWED: "yellow", DECLARED: "dim", "same": "green"}
    for component in report.components:
        cells = []
        for env in report.envs:
            text, status = cell_text(report, component, env)
            cells.append(f"[{styles[status]}]{text}[/]")
        table.add_row(component, *cells)
    return table


def differences_table(report: ParityReport, statuses: tuple[str, ...] = (FINDING, ALLOWED)) -> Table:
    table = Table(title="differences", title_justify="left", show_lines=False)
    for column in ("level", "key", *report.envs, "status"):
        table.add_column(column, overflow="fold")
    for d in report.differences:
        if d.status not in statuses:
            continue
        status = {FINDING: "[bold red]finding[/]", ALLOWED: f"[yellow]allowed[/] ({d.reason})",
                  DECLARED: f"[dim]declared[/] ({d.reason})"}[d.status]
        table.add_row(d.level, d.key, *(show_value(d.values.get(e)) for e in report.envs), status)
    return table


def render_json(report: ParityReport) -> str:
    return json.dumps(report.to_dict(), indent=2, sort_keys=True, default=str) + "\n"


def _diff_rows(report: ParityReport, diffs: list[Difference]) -> str:
    rows = []
    for d in diffs:
        values = "".join(f"<td><code>{escape(show_value(d.values.get(e)))}</code></td>" for e in report.envs)
        reason = f" <small>{escape(d.reason)}</small>" if d.reason else ""
        rows.append(f'<tr><td>{d.level}</td><td><code>{escape(d.key)}</code></td>{values}'
                    f'<td style="color:{_COLOR[d.status]}">{d.status}{reason}</td></tr>')
    return "\n".join(rows)


def render_html(report: ParityReport) -> str:
    """A self-contained HTML page: verdict, the matrix, then findings, allowed and declared differences."""
    head = "".join(f"<th>{escape(e)}</th>" for e in report.envs)
    matrix = []
    for component in report.components:
        cells = []
        for env in report.envs:
            text, status = cell_text(report, component, env)
            cells.append(f'<td style="background:{_COLOR[status]}22;color:{_COLOR[status]}">{escape(text)}</td>')
        matrix.append(f"<tr><th>{escape(component)}</th>{''.join(cells)}</tr>")
    sections = []
    for status, title in ((FINDING, "Findings"), (ALLOWED, "Allowed (parity.allow)"),
                          (DECLARED, "Declared per environment")):
        diffs = [d for d in report.differences if d.status == status]
        if diffs:
            sections.append(f"<h2>{title} ({len(diffs)})</h2><table><tr><th>level</th><th>key</th>{head}"
                            f"<th>status</th></tr>\n{_diff_rows(report, diffs)}</table>")
    style = ("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1.5em}"
             "td,th{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}"
             "code{font-size:90%}")
    return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>mlstrata parity</title>"
            f"<style>{style}</style></head><body>\n<h1>mlstrata parity</h1>\n<p>{escape(verdict(report))}. "
            f"Reference: <b>{escape(report.reference)}</b>; levels compared: {', '.join(report.levels)}.</p>\n"
            f"<table><tr><th>component</th>{head}</tr>\n" + "\n".join(matrix) + "</table>\n"
            + "\n".join(sections) + "\n</body></html>\n")


def write_png(report: ParityReport, path: Path) -> None:
    """The matrix as a PNG (Pillow's built-in font; the same report gives the same bytes)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default()
    rows = [["component", *report.envs]]
    statuses: list[list[str]] = [["head"] * (len(report.envs) + 1)]
    for component in report.components:
        row, row_status = [component], ["head"]
        for env in report.envs:
            text, status = cell_text(report, component, env)
            row.append(text)
            row_status.append(status)
        rows.append(row)
        statuses.append(row_status)
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    widths = [max(int(measure.textlength(r[i], font=font)) for r in rows) + 16 for i in range(len(rows[0]))]
    line_h, title_h = 22, 28
    image = Image.new("RGB", (sum(widths) + 1, title_h + line_h * len(rows) + 1), "white")
    draw = ImageDraw.Draw(image)
    draw.text((4, 6), f"mlstrata parity: {verdict(report)}", fill="black", font=font)
    for r, (row, row_status) in enumerate(zip(rows, statuses, strict=True)):
        x, y = 0, title_h + r * line_h
        for c, text in enumerate(row):
            status = row_status[c]
            fill = "#f0f0f0" if status == "head" else _COLOR[status] + "33"
            draw.rectangle([x, y, x + widths[c], y + line_h], fill=_rgb(fill), outline=(200, 200, 200))
            color = "black" if status == "head" else _COLOR[status]
            draw.text((x + 8, y + 5), text, fill=color, font=font)
            x += widths[c]
    image.save(path, format="PNG", optimize=False)


def _rgb(color: str) -> tuple[int, int, int]:
    """`#rrggbb` or `#rrggbbaa` (alpha blended on white)."""
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    if len(color) == 9:
        a = int(color[7:9], 16) / 255
        r, g, b = (round(255 - (255 - v) * a) for v in (r, g, b))
    return r, g, b
