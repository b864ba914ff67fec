"""Parity reports: a rich matrix (component x environment) and difference list, JSON, HTML, and a PNG
of the matrix (Pillow, imported only when a PNG is asked for) for pull-request comments."""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from html import escape
from typing import Any

from rich.markup import escape as escape_markup
from rich.table import Table

from mlstrata.parity.compare import ALLOWED, DECLARED, FINDING, Difference, ParityReport
from mlstrata.views.markdown import cell as md_cell

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
    if report.findings:
        return f"{verdict_counts(report)} between {', '.join(report.envs)}"
    return f"{', '.join(report.envs)} are at parity (allowed and declared differences only)"


def matrix_table(report: ParityReport) -> Table:
    table = Table(title=f"parity — reference: {report.reference} (levels: {', '.join(report.levels)})",
                  title_justify="left")
    table.add_column("component", overflow="fold")
    for env in report.envs:
        table.add_column(env, overflow="fold")
    styles = {FINDING: "bold red", ALLOWED: "yellow", DECLARED: "dim", "same": "green"}
    for component in report.components:
        cells = []
        for env in report.envs:
            text, status = cell_text(report, component, env)
            cells.append(f"[{styles[status]}]{text}[/]")
        table.add_row(component, *cells)
    return table


def split_key(level: str, key: str) -> tuple[str, str]:
    """(resource, attribute) of a difference's key: `base:module.x.aws_y.z[0].tags.team` ->
    (`base:module.x.aws_y.z[0]`, `tags.team`); spec keys split after their component."""
    if level == "spec":
        parts = key.split(".")
        n = 2 if parts[0] in ("gpu_pools", "artifact_stores") else 1
        return ".".join(parts[:n]), ".".join(parts[n:])
    layer, _, address = key.partition(":")
    parts = re.findall(r'(?:[^.\["]+|\[[^\]]*\]|"[^"]*")+', address)
    i = 0
    while i + 1 < len(parts) and parts[i] == "module":
        i += 2
    if level == "state" or i == 0:
        i += 2  # the resource's type and name (config keys of a module call stop at the call)
    return f"{layer}:{'.'.join(parts[:i])}", ".".join(parts[i:])


@dataclass(frozen=True)
class ResourceRow:
    """The differences of one resource (or spec component) at one level: one row of the table."""

    level: str
    resource: str
    differences: tuple[Difference, ...]

    @property
    def status(self) -> str:
        return next(s for s in (FINDING, ALLOWED, DECLARED) if any(d.status == s for d in self.differences))

    @property
    def reasons(self) -> list[str]:
        return sorted({d.reason for d in self.differences if d.status == self.status and d.reason})

    def values(self, env: str) -> list[str]:
        """`attribute = value` per differing attribute (the value alone for a resource present or absent)."""
        out = []
        presence = [d for d in self.differences if not split_key(d.level, d.key)[1]]
        for d in presence or self.differences:  # a resource in some envs only: its presence says it all
            _, attribute = split_key(d.level, d.key)
            value = show_value(d.values.get(env))
            out.append(f"{attribute} = {value}" if attribute else value)
        return out


def resource_rows(report: ParityReport, statuses: tuple[str, ...] = (FINDING, ALLOWED, DECLARED)) -> list[ResourceRow]:
    """Differences grouped per resource and level, in report order."""
    groups: dict[tuple[str, str], list[Difference]] = {}
    for d in report.differences:
        if d.status in statuses:
            groups.setdefault((d.level, split_key(d.level, d.key)[0]), []).append(d)
    return [ResourceRow(level, resource, tuple(diffs)) for (level, resource), diffs in groups.items()]


def verdict_counts(report: ParityReport) -> str:
    rows = resource_rows(report, (FINDING,))
    return f"{len(rows)} resource(s) with {len(report.findings)} unallowed difference(s)"


def differences_table(report: ParityReport, statuses: tuple[str, ...] = (FINDING, ALLOWED)) -> Table:
    table = Table(title="differences (one row per resource)", title_justify="left", show_lines=True)
    for column in ("level", "resource", *report.envs, "status"):
        table.add_column(column, overflow="fold")
    for row in resource_rows(report, statuses):
        label = {FINDING: "[bold red]finding[/]", ALLOWED: "[yellow]allowed[/]", DECLARED: "[dim]declared[/]"}
        reasons = "".join(f"\n{escape_markup(r)}" for r in row.reasons)
        table.add_row(row.level, escape_markup(row.resource),
                      *(escape_markup("\n".join(row.values(e))) for e in report.envs), label[row.status] + reasons)
    return table


def render_markdown(report: ParityReport) -> str:
    """A pull-request comment: verdict, the matrix, then one row per resource with findings."""
    icon = "❌" if report.findings else "✅"
    lines = [f"### mlstrata parity: {icon} {verdict(report)}", "",
             f"Reference: **{report.reference}**; levels compared: {', '.join(report.levels)}.", "",
             "| component | " + " | ".join(report.envs) + " |", "|---" * (len(report.envs) + 1) + "|"]
    for component in report.components:
        cells = [cell_text(report, component, env)[0] for env in report.envs]
        lines.append(f"| {md_cell(component)} | " + " | ".join(md_cell(c) for c in cells) + " |")
    for status, title in ((FINDING, "Findings"), (ALLOWED, "Allowed (parity.allow)")):
        rows = resource_rows(report, (status,))
        if not rows:
            continue
        lines += ["", f"#### {title}", "", "| level | resource | " + " | ".join(report.envs) + " | why |",
                  "|---" * (len(report.envs) + 3) + "|"]
        for row in rows:
            values = [md_cell("\n".join(row.values(e)), "<br>") for e in report.envs]
            lines.append(f"| {row.level} | `{md_cell(row.resource)}` | " + " | ".join(values)
                         + f" | {md_cell('; '.join(row.reasons))} |")
    return "\n".join(lines) + "\n"


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


def png_bytes(report: ParityReport) -> bytes:
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
    title = f"mlstrata parity: {verdict(report)}"
    # as wide as the matrix or the title, whichever is wider: a narrow matrix cut the verdict off
    width = max(sum(widths), int(measure.textlength(title, font=font)) + 8) + 1
    image = Image.new("RGB", (width, title_h + line_h * len(rows) + 1), "white")
    draw = ImageDraw.Draw(image)
    draw.text((4, 6), title, fill="black", font=font)
    for r, (row, row_status) in enumerate(zip(rows, statuses, strict=True)):
        x, y = 0, title_h + r * line_h
        for c, text in enumerate(row):
            status = row_status[c]
            fill = "#f0f0f0" if status == "head" else _COLOR[status] + "33"
            draw.rectangle([x, y, x + widths[c], y + line_h], fill=_rgb(fill), outline=(200, 200, 200))
            color = "black" if status == "head" else _COLOR[status]
            draw.text((x + 8, y + 5), text, fill=color, font=font)
            x += widths[c]
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def _rgb(color: str) -> tuple[int, int, int]:
    """`#rrggbb` or `#rrggbbaa` (alpha blended on white)."""
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    if len(color) == 9:
        a = int(color[7:9], 16) / 255
        r, g, b = (round(255 - (255 - v) * a) for v in (r, g, b))
    return r, g, b
