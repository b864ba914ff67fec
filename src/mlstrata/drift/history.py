"""Drift history: one JSON line per `mlstrata drift` run in `<repo>/.mlstrata/drift-history.jsonl`,
so a report can say since when a resource has drifted.

A record names the units it checked successfully and the (unit, address) pairs that had drifted.
"Since" is the time of the earliest run of the unbroken streak of runs, among those that checked the
resource's unit, in which it was drifted: a run that did not check the unit neither extends nor
breaks the streak; a run that checked it and found it clean ends it.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson

from mlstrata.diagnostics import Diagnostic, Where, warning
from mlstrata.repo import HISTORY_FILE


@dataclass(frozen=True)
class HistoryRecord:
    at: str  # ISO 8601, UTC, seconds
    units: tuple[str, ...]
    drifted: tuple[tuple[str, str], ...]

    def to_json(self) -> bytes:
        data = {"at": self.at, "units": list(self.units), "drifted": [list(k) for k in self.drifted]}
        return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)


def utc_now() -> str:
    """The current time as the history writes it (UTC, whole seconds)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def history_path(repo: Path) -> Path:
    return repo / HISTORY_FILE


def read_history(repo: Path) -> tuple[list[HistoryRecord], list[Diagnostic]]:
    """Every readable record, oldest first; unreadable lines are skipped with a warning."""
    path = history_path(repo)
    try:
        lines = path.read_bytes().splitlines()
    except FileNotFoundError:
        return [], []
    records: list[HistoryRecord] = []
    bad: list[int] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = orjson.loads(line)
            records.append(HistoryRecord(
                at=str(data["at"]), units=tuple(str(u) for u in data["units"]),
                drifted=tuple((str(k[0]), str(k[1])) for k in data["drifted"])))
        except (orjson.JSONDecodeError, KeyError, TypeError, IndexError):
            bad.append(number)
    diags = []
    if bad:
        diags.append(warning(f"{len(bad)} unreadable line(s) in the drift history were ignored",
                             where=Where(str(path), bad[0]), code="drift.history",
                             hint="remove or fix those lines; since-when is computed from the others"))
    return records, diags


def append_history(repo: Path, record: HistoryRecord) -> None:
    """Append one record (a single write of one line, so concurrent runs do not interleave)."""
    path = history_path(repo)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, record.to_json() + b"\n")
    finally:
        os.close(fd)


def since_of(key: tuple[str, str], history: Sequence[HistoryRecord], now: str) -> str:
    """Since when `key` (unit, address) has drifted, counting the current run at `now`."""
    since = now
    unit = key[0]
    for record in reversed(history):
        if unit not in record.units:
            continue
        if key not in record.drifted:
            break
        since = record.at
    return since
