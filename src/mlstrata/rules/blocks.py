"""Reading nested blocks the way Terraform expands them, `dynamic` blocks included."""

from __future__ import annotations

from dataclasses import dataclass, field

from mlstrata.hcl import UNKNOWN, Attribute, Block, Body, Value
from mlstrata.rules.context import ModuleContext
from mlstrata.rules.model import Item


@dataclass(frozen=True)
class Expanded:
    """One nested block instance: its body and the iterator values its attributes may read."""

    block: Block
    scope: dict[str, Value] = field(default_factory=dict)
    dynamic: bool = False


@dataclass(frozen=True)
class Expansion:
    """The instances of a nested block type; `unknown` when a `dynamic` block's `for_each` is unknown."""

    blocks: list[Expanded]
    unknown: bool
    for_each: Attribute | None = None  # the for_each that decided an empty expansion, if any


def expand(
    ctx: ModuleContext, body: Body, block_type: str, scope: dict[str, Value] | None = None
) -> Expansion:
    """Static blocks of `block_type` plus one instance per element of each known `dynamic` block."""
    out: list[Expanded] = []
    unknown = False
    decided_by: Attribute | None = None
    base = dict(scope or {})
    for block in body.blocks:
        if block.type == block_type:
            out.append(Expanded(block, base))
            continue
        if block.type != "dynamic" or block.labels != [block_type]:
            continue
        contents = block.body.blocks_of("content")
        content = contents[0] if contents else Block("content", [], Body(), block.line, block.column)
        for_each = block.body.attributes.get("for_each")
        iterator = block.body.attributes.get("iterator")
        name = iterator.expr_text.strip() if iterator is not None else block_type
        value = ctx.value(for_each, base) if for_each is not None else UNKNOWN
        if isinstance(value, dict):
            items: list[tuple[Value, Value]] = list(value.items())
        elif isinstance(value, list):
            items = [(v, v) for v in value]
        else:
            unknown = True
            out.append(
                Expanded(
                    Block(block_type, [], content.body, block.line, block.column),
                    {**base, name: UNKNOWN},
                    dynamic=True,
                )
            )
            continue
        if not items:
            decided_by = for_each
        for key, val in items:
            out.append(
                Expanded(
                    Block(block_type, [], content.body, block.line, block.column),
                    {**base, name: {"key": key, "value": val}},
                    dynamic=True,
                )
            )
    return Expansion(out, unknown, decided_by)


def first(body: Body, block_type: str) -> Block | None:
    found = body.blocks_of(block_type)
    return found[0] if found else None


def lifecycle_attr(item: Item, name: str) -> Attribute | None:
    block = first(item.body, "lifecycle")
    return block.body.attributes.get(name) if block is not None else None


def prevent_destroy(item: Item) -> bool:
    attr = lifecycle_attr(item, "prevent_destroy")
    return attr is not None and attr.value is True


def launch_templates(ctx: ModuleContext, item: Item) -> list[Item] | None:
    """The aws_launch_template resources of this module that an item's `launch_template` block refers to
    (empty: they live elsewhere); None when the item has no launch_template block."""
    block = first(item.body, "launch_template")
    if block is None:
        return None
    return [
        t for a in block.body.attributes.values() for t in ctx.module.referenced(a.expr_text, "aws_launch_template")
    ]
