"""What an HCL file says, as plain frozen values: bodies, blocks, attributes and literal values."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Literal, NamedTuple, TypeAlias

from mlstrata.diagnostics import Diagnostic


class Unknown(enum.Enum):
    """The type of `UNKNOWN`: a value only known when Terraform evaluates the configuration."""

    UNKNOWN = "UNKNOWN"

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = Unknown.UNKNOWN

Value: TypeAlias = "str | int | float | bool | list[Value] | dict[str, Value] | Unknown | None"

# What an expression is, judged by its outermost syntax.
ExprKind = Literal[
    "literal",  # fully literal: strings without interpolation, numbers, bools, null, collections of those
    "collection",  # a [..] or {..} constructor with at least one non-literal part
    "template",  # a string or heredoc with ${...} or %{...}
    "reference",  # var.x, local.y, aws_s3_bucket.this.arn, each.value, x[0], x[*].id
    "function_call",
    "conditional",
    "operation",
    "for",
    "other",
]


# Attribute, Block and Body are named tuples, not frozen dataclasses: the reader builds ~75k of them on the
# real-world corpus, and a frozen dataclass's __init__ sets each field through object.__setattr__, ~5x the cost of
# building a tuple (callgrind: see the commit that made them so). Immutable all the same.


class Attribute(NamedTuple):
    """`name = expression`, with its position (1-based line and column) and its value if literal.

    `value` is the Python value of a fully literal expression and `UNKNOWN` otherwise.
    `partial_value` keeps what is literal inside a collection constructor: `[var.a, "b"]` gives
    `[UNKNOWN, "b"]` and `{ a = var.x }` gives `{"a": UNKNOWN}`; it equals `value` when that is known.
    """

    name: str
    expr_text: str
    line: int
    column: int
    value: Value
    partial_value: Value = UNKNOWN
    kind: ExprKind = "other"
    end_line: int = 0


class Block(NamedTuple):
    """`type "label" ... { body }`; `dynamic` is true for a block produced by `dynamic_blocks`."""

    type: str
    labels: list[str]
    body: Body
    line: int
    column: int
    end_line: int = 0
    dynamic: bool = False


class _BodyFields(NamedTuple):
    attributes: dict[str, Attribute]
    blocks: list[Block]


class Body(_BodyFields):
    """The attributes (by name, in source order) and blocks (in source order) of a file or block."""

    __slots__ = ()

    def __new__(cls, attributes: dict[str, Attribute] | None = None, blocks: list[Block] | None = None) -> Body:
        return super().__new__(cls, {} if attributes is None else attributes, [] if blocks is None else blocks)

    def blocks_of(self, block_type: str) -> list[Block]:
        """The blocks of one type, in source order."""
        return [b for b in self.blocks if b.type == block_type]


@dataclass(frozen=True, slots=True)
class HclFile:
    """A parsed file: its body and the syntax errors found (with file:line:col)."""

    filename: str
    body: Body
    errors: list[Diagnostic] = field(default_factory=list)


def is_known(value: Value) -> bool:
    """True when the value holds no `UNKNOWN` at any depth."""
    if value is UNKNOWN:
        return False
    if isinstance(value, list):
        return all(is_known(v) for v in value)
    if isinstance(value, dict):
        return all(is_known(v) for v in value.values())
    return True
