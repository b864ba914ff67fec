"""A team's negotiated or committed prices, layered over the shipped catalog.

`mlstrata pricing import FILE` validates CSV or JSON rows and stores them in `.mlstrata/prices.json`
beside the spec: one file per platform, next to the platform.yaml it prices, reviewed and committed
like the spec itself (no secrets in it: only prices, their source label and date). A later import
replaces rows with the same (cloud, region, instance type) and keeps the others.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mlstrata.diagnostics import Diagnostic, DiagnosticsError, Where, error
from mlstrata.pricing.catalog import CLOUDS
from mlstrata.repo import PRICES_FILE
from mlstrata.userfiles import MiB, read_user_text

OVERLAY_PATH = Path(PRICES_FILE)
PRICE_FIELDS = ("on_demand_usd_per_hour", "spot_usd_per_hour", "capacity_block_usd_per_hour")
_EXTRA = "\0extra"  # where csv.DictReader puts the fields of a row longer than its header
KNOWN_FIELDS = ("cloud", "region", "instance_type", *PRICE_FIELDS, "source", "date")


@dataclass(frozen=True)
class OverlayPrice:
    """Negotiated prices for one (cloud, region, instance type); None = use the catalog's."""

    cloud: str
    region: str
    instance_type: str
    source: str
    date: str
    on_demand_usd_per_hour: float | None = None
    spot_usd_per_hour: float | None = None
    capacity_block_usd_per_hour: float | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.cloud, self.region, self.instance_type)

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {"cloud": self.cloud, "region": self.region, "instance_type": self.instance_type,
                                   "source": self.source, "date": self.date}
        for name in PRICE_FIELDS:
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        return data


@dataclass(frozen=True)
class Overlay:
    path: Path | None
    prices: dict[tuple[str, str, str], OverlayPrice]

    def get(self, cloud: str, region: str, instance_type: str) -> OverlayPrice | None:
        return self.prices.get((cloud, region, instance_type))

    def merged(self, rows: list[OverlayPrice]) -> Overlay:
        """This overlay with `rows` added; a row replaces an existing one with the same key."""
        prices = dict(self.prices)
        for row in rows:
            prices[row.key] = row
        return replace(self, prices=prices)

    def to_json(self) -> str:
        rows = [self.prices[k].to_dict() for k in sorted(self.prices)]
        return json.dumps({"format": 1, "prices": rows}, indent=2, sort_keys=True) + "\n"


def overlay_path(spec: Path) -> Path:
    """Where the overlay of the platform in `spec` lives."""
    return spec.parent / OVERLAY_PATH


def _bad(file: str, line: int, summary: str, hint: str) -> Diagnostic:
    return error(summary, where=Where(file, line), hint=hint, code="pricing.overlay")


def _number(value: object) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("not a number")
    number = float(value) if isinstance(value, int | float) else float(str(value).strip())
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError("not a finite number")
    return number


def _row(raw: dict[str, Any], file: str, line: int, default_cloud: str) -> tuple[OverlayPrice | None, list[Diagnostic]]:
    problems: list[Diagnostic] = []
    extra = raw.pop(_EXTRA, None)
    if extra:
        problems.append(_bad(file, line, f"{len(extra)} more field(s) than the header has columns",
                             "Remove the extra commas, or quote a value that contains a comma."))
    unknown = sorted(str(k) for k in raw if k not in KNOWN_FIELDS)
    if unknown:
        problems.append(_bad(file, line, f"unknown column(s): {', '.join(unknown)}",
                             f"Columns: {', '.join(KNOWN_FIELDS)}."))
    cloud = str(raw.get("cloud") or default_cloud).strip()
    if cloud not in CLOUDS:
        problems.append(_bad(file, line, f"unknown cloud `{cloud}`", f"Use one of: {', '.join(CLOUDS)}."))
    texts = {}
    for name in ("region", "instance_type", "source", "date"):
        value = str(raw.get(name) or "").strip()
        if not value:
            problems.append(_bad(file, line, f"missing `{name}`",
                                 "Every row needs region, instance_type, source (e.g. the contract) and date."))
        texts[name] = value
    if texts["date"]:
        try:
            dt.date.fromisoformat(texts["date"])
        except ValueError:
            problems.append(_bad(file, line, f"date `{texts['date']}` is not YYYY-MM-DD", "Write dates as 2026-11-01."))
    numbers: dict[str, float | None] = {}
    for name in PRICE_FIELDS:
        try:
            numbers[name] = _number(raw.get(name))
        except (TypeError, ValueError):
            problems.append(_bad(file, line, f"`{name}` is not a number (got {raw.get(name)!r})",
                                 "Write prices in USD per hour, e.g. 31.5."))
            numbers[name] = None
            continue
        amount = numbers[name]
        if amount is not None and amount < 0:
            problems.append(_bad(file, line, f"`{name}` is negative ({amount})", "Prices are zero or more."))
    if all(v is None for v in numbers.values()) and not any("not a number" in p.summary for p in problems):
        problems.append(_bad(file, line, "no price in this row",
                             f"Give at least one of: {', '.join(PRICE_FIELDS)}."))
    if problems:
        return None, problems
    return OverlayPrice(cloud, texts["region"], texts["instance_type"], texts["source"], texts["date"],
                        numbers["on_demand_usd_per_hour"], numbers["spot_usd_per_hour"],
                        numbers["capacity_block_usd_per_hour"]), []


def parse_overlay_rows(text: str, file: str, default_cloud: str = "aws") -> tuple[list[OverlayPrice], list[Diagnostic]]:
    """Rows of a CSV (header line) or JSON (a list, or {"prices": [...]}) price file."""
    stripped = text.lstrip()
    rows: list[tuple[int, dict[str, Any]]] = []
    if stripped.startswith(("[", "{")):
        try:
            doc = json.loads(text)
        except (ValueError, RecursionError) as exc:
            return [], [_bad(file, 0, "not valid JSON", str(exc) or "nested too deeply")]
        items = doc.get("prices") if isinstance(doc, dict) else doc
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            return [], [_bad(file, 0, "expected a list of price objects (or {\"prices\": [...]})",
                             f"Each object has: {', '.join(KNOWN_FIELDS)}.")]
        rows = [(0, item) for item in items]
    else:
        reader = csv.DictReader(io.StringIO(text), restkey=_EXTRA)
        try:
            if not reader.fieldnames:
                return [], [_bad(file, 0, "empty price file", f"Start with a header line: {','.join(KNOWN_FIELDS)}")]
            rows = [(reader.line_num, dict(r)) for r in reader]
        except csv.Error as exc:
            return [], [_bad(file, reader.line_num, f"not a readable CSV file: {exc}",
                             "Save it as plain comma-separated text (UTF-8, no NUL bytes).")]
    out: list[OverlayPrice] = []
    problems: list[Diagnostic] = []
    seen: set[tuple[str, str, str]] = set()
    for line, raw in rows:
        parsed, found = _row(raw, file, line, default_cloud)
        problems += found
        if parsed is None:
            continue
        if parsed.key in seen:
            problems.append(_bad(file, line, f"duplicate row for {parsed.instance_type} in {parsed.region}",
                                 "Keep one row per (cloud, region, instance type)."))
            continue
        seen.add(parsed.key)
        out.append(parsed)
    if not rows:
        problems.append(_bad(file, 0, "no price rows", "Add at least one row."))
    return out, problems


def load_overlay(path: Path) -> tuple[Overlay, list[Diagnostic]]:
    """The overlay stored at `path` (empty when the file does not exist)."""
    if not path.exists():
        return Overlay(path, {}), []
    try:
        text = read_user_text(path, what="price overlay", code="pricing.overlay", max_bytes=16 * MiB)
    except DiagnosticsError as exc:
        return Overlay(path, {}), exc.diagnostics
    rows, problems = parse_overlay_rows(text, str(path))
    return Overlay(path, {r.key: r for r in rows}), problems
