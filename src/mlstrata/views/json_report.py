"""The JSON view: one object with the summary, every finding, and the suppressed findings."""

from __future__ import annotations

import json
from collections.abc import Iterable

import msgspec

from mlstrata.views import Report

# Where msgspec and json.dumps write a float alike: both write the shortest text that reads back as the same
# float, but json.dumps (repr) switches to exponents below 1e-4 and from 1e16 on (`1e-05`, `1e+16`), msgspec
# at other points and in another form (`0.00001`, `1e16`); NaN and infinities are `NaN`/`Infinity` in json,
# `null` in msgspec. tests/views/test_json_report.py compares the two on every float kind.
_FLOAT_SAME_FROM, _FLOAT_SAME_BELOW = 1e-4, 1e16
_INT_MIN, _INT_END = -(1 << 63), 1 << 64  # msgspec writes 64-bit integers; json.dumps any integer


def dump(value: object) -> str:
    """JSON text exactly as `json.dumps(value, indent=2, sort_keys=True)` writes it, with a final newline.

    The compact text comes from msgspec where it is provably json's, else from json's C encoder (`compact`;
    json's pure-Python indenting encoder took 2-3x as long on a 20k-change review report); msgspec then
    indents it (whitespace only)."""
    try:
        return msgspec.json.format(compact(value), indent=2).decode() + "\n"
    except msgspec.DecodeError:  # NaN, Infinity or a lone surrogate: json's text, which msgspec reads as no JSON
        return json.dumps(value, indent=2, sort_keys=True) + "\n"


def compact(value: object) -> bytes:
    """`json.dumps(value, sort_keys=True)` without the spaces, as bytes: msgspec's text when it is provably the
    same (`fast_text`), else json's."""
    data = fast_text(value)
    return data if data is not None else json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def fast_text(value: object) -> bytes | None:
    """msgspec's compact text of `value` with sorted keys, when it is json.dumps' byte for byte; else None.

    msgspec writes it several times as fast as json's C encoder (which joins many small string pieces), and
    writes the same bytes when the value holds only dicts with str keys, lists, tuples, str, bool, None,
    64-bit ints and the floats both write alike (`_plain`), and the text is ASCII without DEL: json.dumps
    escapes every other character (`\\u00e9`, `\\u007f`), msgspec writes it as UTF-8 and refuses a lone
    surrogate. For anything else json.dumps writes the text, or raises what it always raised (a type it
    cannot write, a circular reference)."""
    if not _plain(value):
        return None
    try:
        data = msgspec.json.encode(value, order="sorted")
    except UnicodeEncodeError:  # a lone surrogate
        return None
    return data if data.isascii() and b"\x7f" not in data else None


def _plain(value: object) -> bool:
    """True when `value` (a dict, list or tuple) holds only what msgspec and json.dumps write alike."""
    try:
        return _plain_container(value)
    except RecursionError:  # a circular or very deep value: json.dumps says what it always said
        return False


def _plain_container(value: object) -> bool:
    items: Iterable[object]
    if value.__class__ is dict and isinstance(value, dict):
        for key in value:
            if key.__class__ is not str:
                return False
        items = value.values()
    elif (value.__class__ is list or value.__class__ is tuple) and isinstance(value, list | tuple):
        items = value
    else:
        return False
    for item in items:
        cls = item.__class__
        if cls is str:
            continue
        if cls is dict or cls is list or cls is tuple:
            if not _plain_container(item):
                return False
        elif cls is int:
            if not _INT_MIN <= item < _INT_END:
                return False
        elif cls is float:
            if not (item == 0.0 or _FLOAT_SAME_FROM <= abs(item) < _FLOAT_SAME_BELOW):
                return False
        elif cls is not bool and item is not None:
            return False
    return True


def render(report: Report) -> str:
    """Findings as JSON (keys sorted, findings in file/line order)."""
    return dump(payload(report))


def payload(report: Report) -> dict[str, object]:
    """The JSON view's object, for views that add to it."""
    return {
        "command": report.command,
        "fail_on": report.fail_on,
        "failed": report.failed,
        "summary": {**report.counts(), **report.stats},
        "findings": [_finding(report, d.to_dict()) for d in report.findings],
        "suppressed": [
            {**_finding(report, s.finding.to_dict()), "reason": s.reason, "suppressed_at": s.where}
            for s in report.suppressed
        ],
    }


def _finding(report: Report, data: dict[str, object]) -> dict[str, object]:
    info = report.rules.get(str(data.get("code", "")))
    if info is not None:
        data["rule"] = info.name
        data["family"] = info.family
    return data
