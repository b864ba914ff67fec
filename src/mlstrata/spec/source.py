"""YAML source with positions: plain Python data plus where every key and value sits in the file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from mlstrata.diagnostics import Diagnostic, DiagnosticsError, Where, error

KeyPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Source:
    """A parsed YAML document: `data` is plain dicts/lists/scalars; positions are 1-based."""

    file: str
    data: Any
    key_positions: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    value_positions: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: KeyPath, *, key: bool = False) -> Where:
        """The closest known position for `path`: the key itself or its value, else the nearest parent."""
        probe = path
        while probe:
            table = self.key_positions if key else self.value_positions
            pos = table.get(probe) or self.key_positions.get(probe)
            if pos is not None:
                return Where(self.file, pos[0], pos[1])
            probe = probe[:-1]
        return Where(self.file, 1, 1)

    def has(self, path: KeyPath) -> bool:
        return path in self.key_positions or path in self.value_positions


def format_path(path: KeyPath) -> str:
    """`("gpu_pools", "training", "taints", 0, "key")` -> `gpu_pools.training.taints[0].key`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


def _plain(node: Any, path: KeyPath, keys: dict[KeyPath, tuple[int, int]],
           values: dict[KeyPath, tuple[int, int]]) -> Any:
    if isinstance(node, CommentedMap):
        result: dict[Any, Any] = {}
        for k, v in node.items():
            child = (*path, str(k))
            kl, kc = node.lc.key(k)
            keys[child] = (kl + 1, kc + 1)
            vl, vc = node.lc.value(k)
            values[child] = (vl + 1, vc + 1)
            result[k] = _plain(v, child, keys, values)
        return result
    if isinstance(node, CommentedSeq):
        items = []
        for i, v in enumerate(node):
            child = (*path, i)
            il, ic = node.lc.item(i)
            values[child] = (il + 1, ic + 1)
            items.append(_plain(v, child, keys, values))
        return items
    if isinstance(node, str):
        return str(node)  # drop ruamel's scalar string subclasses
    return node


def parse_yaml(text: str, file: str) -> Source:
    """Parse YAML 1.2 text; syntax errors and duplicate keys raise DiagnosticsError with file:line:col."""
    yaml = YAML(typ="rt")
    try:
        node = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Where(file, mark.line + 1, mark.column + 1) if mark is not None else Where(file)
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        hint = "Check indentation and quoting around this line."
        if "duplicate key" in problem or "found duplicate key" in str(exc):
            problem = "duplicate key"
            hint = "Each key may appear once in a mapping: merge the two entries."
        raise DiagnosticsError([error(f"YAML syntax: {problem}", where=where, hint=hint,
                                      code="spec.yaml")]) from None
    keys: dict[KeyPath, tuple[int, int]] = {}
    values: dict[KeyPath, tuple[int, int]] = {}
    data = _plain(node, (), keys, values)
    return Source(file=file, data=data, key_positions=keys, value_positions=values)


def read_yaml(path: Path) -> Source:
    """Read and parse a YAML file; a missing/unreadable file is a DiagnosticsError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DiagnosticsError([error(
            f"spec file not found: {path}", where=Where(str(path)), code="spec.missing",
            hint="Create one with `mlstrata init --target aws`, or pass --spec PATH.",
        )]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DiagnosticsError([error(f"cannot read spec file: {exc}", where=Where(str(path)),
                                      code="spec.unreadable")]) from None
    return parse_yaml(text, str(path))


def diagnostics_at(source: Source, path: KeyPath, summary: str, hint: str = "", *,
                   key: bool = False, code: str = "spec.invalid") -> Diagnostic:
    """An error diagnostic positioned at `path` in `source`."""
    return error(summary, where=source.where(path, key=key), path=format_path(path), hint=hint, code=code)
