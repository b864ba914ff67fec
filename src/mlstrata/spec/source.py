"""YAML source with positions: plain Python data plus where every key and value sits in the file."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    NodeEvent,
    ScalarEvent,
)

from mlstrata.diagnostics import Diagnostic, DiagnosticsError, Where, error
from mlstrata.userfiles import read_user_text

KeyPath = tuple[str | int, ...]

# Limits that keep hostile YAML cheap (a real platform.yaml is a few KB, a few levels deep):
MAX_SPEC_BYTES = 256 * 1024
MAX_NODES = 50_000  # values after alias expansion: a "billion laughs" stops here, not at 1.6 GB
MAX_DEPTH = 32
MAX_NUMBER_CHARS = 40
# YAML 1.2 printable characters (section 5.1); anything else is rejected before ruamel sees it
_NON_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_BRACKET = re.compile(r"[\[\]{}]")
MAX_RAW_BRACKET_DEPTH = 200  # ruamel's scanner is quadratic in open flow brackets: count them before it runs
_INTEGER = re.compile(r"[-+]?(0[xo])?[0-9a-fA-F_]+")
_ALLOWED_TAGS = {"tag:yaml.org,2002:str", "!!str"}


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


def _syntax(file: str, line: int, column: int, summary: str, hint: str) -> DiagnosticsError:
    return DiagnosticsError([error(f"YAML: {summary}", where=Where(file, line, column), hint=hint,
                                   code="spec.yaml")])


def _key(node: Any, file: str, line: int, column: int) -> Any:
    if node is None or isinstance(node, str | int | float | bool):
        return str(node) if isinstance(node, str) else node
    raise _syntax(file, line, column, "a mapping key must be a plain value, not a list or mapping",
                  "Write the key as text: `name: value`.")


def _plain(node: Any, path: KeyPath, keys: dict[KeyPath, tuple[int, int]],
           values: dict[KeyPath, tuple[int, int]], file: str) -> Any:
    if isinstance(node, CommentedMap):
        result: dict[Any, Any] = {}
        here = (node.lc.line or 0, node.lc.col or 0)
        for k, v in node.items():
            # keys merged in with `<<: *anchor` have no position of their own: use the mapping's
            kl, kc, vl, vc = (node.lc.data.get(k) or (*here, *here))[:4]
            key = _key(k, file, kl + 1, kc + 1)
            child = (*path, str(key))
            keys[child] = (kl + 1, kc + 1)
            values[child] = (vl + 1, vc + 1)
            result[key] = _plain(v, child, keys, values, file)
        return result
    if isinstance(node, CommentedSeq):
        items = []
        for i, v in enumerate(node):
            child = (*path, i)
            il, ic = node.lc.item(i)
            values[child] = (il + 1, ic + 1)
            items.append(_plain(v, child, keys, values, file))
        return items
    if isinstance(node, str):
        return str(node)  # drop ruamel's scalar string subclasses
    if node is None or isinstance(node, bool | int | float):
        return node
    # timestamps, sets, ordered maps and other YAML types have no place in a spec: keep them as text
    # so the schema reports them with a position ("expected ...")
    return str(node)


def _prescreen(text: str, file: str) -> None:
    """Reject, before ruamel runs, what would make its scanner slow or fail: characters YAML forbids
    and very deep flow brackets (its scanner is quadratic in open brackets)."""
    bad = _NON_PRINTABLE.search(text)
    if bad is not None:
        line, column = _position(text, bad.start())
        raise _syntax(file, line, column, f"control character U+{ord(bad.group()):04X} is not allowed",
                      "Remove it (YAML allows only printable characters; write it as an escape in a "
                      "double-quoted string if you need it).")
    depth = 0
    for match in _BRACKET.finditer(text):
        depth = depth + 1 if match.group() in "[{" else max(depth - 1, 0)
        if depth > MAX_RAW_BRACKET_DEPTH:
            line, column = _position(text, match.start())
            raise _syntax(file, line, column, f"more than {MAX_RAW_BRACKET_DEPTH} nested brackets",
                          "Flatten the structure; no part of a platform spec nests this deep.")


def _position(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


class _EventScreen:
    """Sees every parser event before the composer builds nodes from it, and stops the parse at the first
    event that makes the document too deep, too big after alias expansion, tagged, or holding a number
    too long to convert. Checking as the events stream keeps a bomb from ever being built."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.depth = 0
        self.total = 0
        self.sizes: dict[str, int] = {}
        self.open_nodes: list[tuple[str | None, int]] = []

    def see(self, event: Any) -> None:
        mark = event.start_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        if isinstance(event, NodeEvent) and not isinstance(event, AliasEvent):
            tag = getattr(event, "tag", None)
            if tag is not None and str(tag) not in _ALLOWED_TAGS:
                raise _syntax(self.file, line, column, f"tag `{tag}` is not supported",
                              "Remove the tag and write a plain value (quote it to make it text).")
        if isinstance(event, AliasEvent):
            self.total += self.sizes.get(str(event.anchor), 1)
        elif isinstance(event, ScalarEvent):
            self.total += 1
            if event.anchor:
                self.sizes[str(event.anchor)] = 1
            value = str(event.value)
            if event.style is None and len(value) > MAX_NUMBER_CHARS and _INTEGER.fullmatch(value):
                raise _syntax(self.file, line, column, f"number with {len(value)} digits is too long",
                              f"Numbers in a spec have at most {MAX_NUMBER_CHARS} characters; "
                              "quote it if it is meant as text.")
        elif isinstance(event, CollectionStartEvent):
            self.total += 1
            self.depth += 1
            self.open_nodes.append((str(event.anchor) if event.anchor else None, self.total - 1))
            if self.depth > MAX_DEPTH:
                raise _syntax(self.file, line, column, f"nesting deeper than {MAX_DEPTH} levels",
                              "Flatten the structure; no part of a platform spec nests this deep.")
        elif isinstance(event, CollectionEndEvent) and self.open_nodes:
            anchor, start = self.open_nodes.pop()
            self.depth -= 1
            if anchor is not None:
                self.sizes[anchor] = self.total - start
        if self.total > MAX_NODES:
            raise _syntax(self.file, line, column, f"the document expands to more than {MAX_NODES:,} values "
                          "(aliases included)",
                          "Reduce the use of aliases (`*name`); a YAML alias bomb is rejected here.")


def _load_screened(text: str, file: str) -> Any:
    yaml = YAML(typ="rt")
    constructor, parser = yaml.get_constructor_parser(text)
    screen = _EventScreen(file)
    next_event = parser.get_event

    def get_event() -> Any:
        event = next_event()
        screen.see(event)
        return event

    parser.get_event = get_event
    try:
        return constructor.get_single_data()
    finally:
        parser.dispose()


def parse_yaml(text: str, file: str) -> Source:
    """Parse YAML 1.2 text; syntax errors, duplicate keys and hostile input raise DiagnosticsError
    with file:line:col."""
    if len(text) > MAX_SPEC_BYTES:
        raise _syntax(file, 1, 1, f"the document has {len(text):,} characters, over the "
                      f"{MAX_SPEC_BYTES:,} limit", "Split it or check that this is the spec you meant.")
    _prescreen(text, file)
    try:
        node = _load_screened(text, file)
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
    except (YAMLError, ValueError, TypeError, IndexError, KeyError, AttributeError, RecursionError) as exc:
        # ruamel has internal failures on odd input that the screens above do not foresee;
        # they are still the user's input, so they become a diagnostic, not a traceback
        raise _syntax(file, 1, 1, f"cannot be parsed ({type(exc).__name__}: {str(exc)[:120]})",
                      "Check the file is a plain YAML mapping (no tags, no custom types).") from None
    keys: dict[KeyPath, tuple[int, int]] = {}
    values: dict[KeyPath, tuple[int, int]] = {}
    data = _plain(node, (), keys, values, file)
    return Source(file=file, data=data, key_positions=keys, value_positions=values)


def read_yaml(path: Path) -> Source:
    """Read and parse a YAML file; a missing/unreadable/oversize file is a DiagnosticsError."""
    if not path.exists() and not path.is_symlink():
        raise DiagnosticsError([error(
            f"spec file not found: {path}", where=Where(str(path)), code="spec.missing",
            hint="Create one with `mlstrata init --target aws`, or pass --spec PATH.",
        )])
    text = read_user_text(path, what="spec file", code="spec.unreadable", max_bytes=MAX_SPEC_BYTES)
    return parse_yaml(text, str(path))


def diagnostics_at(source: Source, path: KeyPath, summary: str, hint: str = "", *,
                   key: bool = False, code: str = "spec.invalid") -> Diagnostic:
    """An error diagnostic positioned at `path` in `source`."""
    return error(summary, where=source.where(path, key=key), path=format_path(path), hint=hint, code=code)
