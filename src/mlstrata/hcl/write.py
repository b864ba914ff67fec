"""A small deterministic HCL writer whose output is already `terraform fmt` clean.

fmt aligns the `=` of consecutive single-line attributes; a multi-line attribute, a blank line,
a comment or a block ends the group. Values are Python data; `Expr` is emitted verbatim.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from mlstrata.repo import MODULES_FROM_UNIT

INDENT = "  "
MAX_INLINE = 80
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


class Expr(str):
    """An HCL expression written as is: `var.name`, `module.network.vpc_id`, `jsonencode(...)`."""

    __slots__ = ()


@dataclass(frozen=True)
class Blank:
    """An empty line between items."""


@dataclass(frozen=True)
class Comment:
    text: str


Value = object


@dataclass
class Block:
    type: str
    labels: Sequence[str] = ()
    items: list[tuple[str, Value] | Block | Blank | Comment] = field(default_factory=list)

    def attr(self, name: str, value: Value) -> Block:
        self.items.append((name, value))
        return self

    def add(self, item: Block | Blank | Comment) -> Block:
        self.items.append(item)
        return self

    def has(self, name: str) -> bool:
        """Whether the block sets the attribute `name` (nested blocks, comments and blank lines are not attributes)."""
        return any(isinstance(item, tuple) and item[0] == name for item in self.items)

    def value(self, name: str) -> Value:
        """The value the block gives the attribute `name` (the first, if set twice); KeyError when it sets none."""
        for item in self.items:
            if isinstance(item, tuple) and item[0] == name:
                return item[1]
        raise KeyError(name)


def quote(text: str) -> str:
    """An HCL string literal; `${` and `%{` are escaped so text is never interpolated."""
    body = json.dumps(text, ensure_ascii=False)[1:-1]
    body = body.replace("${", "$${").replace("%{", "%%{")
    return f'"{body}"'


def _key(name: str) -> str:
    return name if _IDENT.match(name) else quote(name)


def render_value(value: Value, depth: int) -> str:
    """Render a value whose first line starts after `key = ` at indentation `depth`."""
    if isinstance(value, Expr):
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        lines = _attribute_lines([(str(k), v) for k, v in value.items()], depth + 1)
        return "{\n" + "\n".join(lines) + "\n" + INDENT * depth + "}"
    if isinstance(value, Sequence):
        if not value:
            return "[]"
        inline = [render_value(v, depth) for v in value]
        one_line = "[" + ", ".join(inline) + "]"
        if all("\n" not in s for s in inline) and len(one_line) <= MAX_INLINE:
            return one_line
        pad = INDENT * (depth + 1)
        rendered = [pad + render_value(v, depth + 1) + "," for v in value]
        return "[\n" + "\n".join(rendered) + "\n" + INDENT * depth + "]"
    raise TypeError(f"cannot render {type(value).__name__} as HCL")


def _attribute_lines(attrs: Sequence[tuple[str, Value]], depth: int) -> list[str]:
    pad = INDENT * depth
    rendered = [(_key(k), render_value(v, depth)) for k, v in attrs]
    lines: list[str] = []
    group: list[tuple[str, str]] = []

    def flush() -> None:
        width = max((len(k) for k, _ in group), default=0)
        lines.extend(f"{pad}{k.ljust(width)} = {v}" for k, v in group)
        group.clear()

    for key, text in rendered:
        if "\n" in text:
            flush()
            lines.append(f"{pad}{key} = {text}")
        else:
            group.append((key, text))
    flush()
    return lines


def render_block(block: Block, depth: int = 0) -> str:
    pad = INDENT * depth
    header = " ".join([block.type, *(quote(label) for label in block.labels)])
    if not block.items:
        return f"{pad}{header} {{}}\n"
    out = [f"{pad}{header} {{\n"]
    run: list[tuple[str, Value]] = []

    def flush() -> None:
        if run:
            out.append("\n".join(_attribute_lines(run, depth + 1)) + "\n")
            run.clear()

    for item in block.items:
        if isinstance(item, tuple):
            run.append(item)
            continue
        flush()
        if isinstance(item, Blank):
            out.append("\n")
        elif isinstance(item, Comment):
            out.append(f"{pad}{INDENT}# {item.text}\n" if item.text else f"{pad}{INDENT}#\n")
        else:
            out.append(render_block(item, depth + 1))
    flush()
    out.append(f"{pad}}}\n")
    return "".join(out)


def render_file(items: Sequence[Block | Comment | Blank], header: str = "") -> str:
    """A whole .tf file: top-level blocks separated by one blank line."""
    chunks: list[str] = []
    if header:
        chunks.append("".join(f"# {line}\n" if line else "#\n" for line in header.splitlines()))
    pending = ""
    for item in items:
        if isinstance(item, Comment):
            pending += f"# {item.text}\n" if item.text else "#\n"
        elif isinstance(item, Block):
            chunks.append(pending + render_block(item))
            pending = ""
    if pending:
        chunks.append(pending)
    return "\n".join(chunks)




def module_call(label: str, source: str, /, **inputs: object) -> Block:
    """`module "<label>" { source = "../../../modules/<source>" ... }`; None inputs are left out so the
    module's documented default applies; a `Comment` value becomes a comment line."""
    block = Block("module", [label]).attr("source", f"{MODULES_FROM_UNIT}/{source}").add(Blank())
    for key, value in inputs.items():
        if isinstance(value, Comment):
            block.add(value)
        elif value is not None:
            block.attr(key, value)
    return block


def output_block(name: str, value: str, description: str, sensitive: bool = False) -> Block:
    block = Block("output", [name]).attr("description", description).attr("value", Expr(value))
    if sensitive:
        block.attr("sensitive", True)
    return block
