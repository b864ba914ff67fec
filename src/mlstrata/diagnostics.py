"""Diagnostics: the one way library code reports problems to the CLI.

Library code collects and returns diagnostics; only the CLI prints them and picks exit codes.
"""

from __future__ import annotations

import difflib
import enum
import os
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, order=True)
class Where:
    """A place in a source file (1-based line and column); line 0 means the whole file."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        if self.column <= 0:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Diagnostic:
    """One problem: what (summary), the detail, where it is and how to fix it (hint)."""

    severity: Severity
    summary: str
    detail: str = ""
    where: Where | None = None
    path: str = ""  # key path in the spec ("gpu_pools.training.scaling.min") or a resource address
    hint: str = ""
    code: str = ""  # stable identifier ("spec.unknown_key", "MLS012")
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def headline(self) -> str:
        """A one-line form: `file:line:col: error: path: summary`."""
        parts = []
        if self.where is not None:
            parts.append(str(self.where))
        parts.append(self.severity.value)
        if self.path:
            parts.append(self.path)
        parts.append(self.summary)
        return ": ".join(parts)

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "severity": self.severity.value,
            "summary": self.summary,
            "code": self.code,
        }
        if self.detail:
            data["detail"] = self.detail
        if self.path:
            data["path"] = self.path
        if self.hint:
            data["hint"] = self.hint
        if self.where is not None:
            data["file"] = self.where.file
            data["line"] = self.where.line
            data["column"] = self.where.column
        return data


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)


def error(summary: str, **kwargs: object) -> Diagnostic:
    """Shorthand for an error diagnostic."""
    return Diagnostic(Severity.ERROR, summary, **kwargs)  # type: ignore[arg-type]


def warning(summary: str, **kwargs: object) -> Diagnostic:
    return Diagnostic(Severity.WARNING, summary, **kwargs)  # type: ignore[arg-type]


class DiagnosticsError(Exception):
    """Raised at a boundary (loader, renderer) to carry diagnostics up to the CLI."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("; ".join(d.headline() for d in diagnostics))
        self.diagnostics = diagnostics


def closest(word: str, candidates: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The candidate closest to a mistyped `word`, if any is close enough."""
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=cutoff)
    return matches[0] if matches else None


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """A hint naming the closest candidate (`did you mean `x`?`), or "" when none is close."""
    match = closest(word, candidates)
    return f"did you mean `{match}`?" if match else ""


def relative(findings: list[Diagnostic], base: Path) -> list[Diagnostic]:
    """Findings with file paths relative to `base` where they are under it (for stable reports)."""
    root = str(base.resolve())
    prefix = root + os.sep
    moved: dict[Where, Where] = {}  # thousands of findings share a few places: each is made relative once
    out = []
    for d in findings:
        where = d.where
        if where is not None and where.file.startswith(prefix):
            to = moved.get(where)
            if to is None:
                to = moved[where] = replace(where, file=os.path.relpath(where.file, root))
            d = replace(d, where=to, detail=d.detail.replace(prefix, ""))
        out.append(d)
    return out
