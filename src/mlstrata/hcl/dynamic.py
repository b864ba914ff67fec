"""Seeing `dynamic` blocks the way a provider schema does."""

from __future__ import annotations

from mlstrata.hcl.model import Block, Body

# Arguments of a `dynamic` block itself; everything else belongs in its `content` block.
DYNAMIC_ARGUMENTS = frozenset({"for_each", "iterator", "labels"})


def dynamic_blocks(body: Body) -> list[Block]:
    """The body's blocks with each `dynamic "x" { content { ... } }` replaced by a block `x`.

    The replacement has `dynamic=True`, the `content` body and the position of the `dynamic` block;
    a `dynamic` block without a label is left as it is.
    """
    out: list[Block] = []
    for block in body.blocks:
        if block.type != "dynamic" or len(block.labels) != 1:
            out.append(block)
            continue
        contents = block.body.blocks_of("content")
        out.append(
            Block(
                type=block.labels[0],
                labels=[],
                body=contents[0].body if contents else Body(),
                line=block.line,
                column=block.column,
                end_line=block.end_line,
                dynamic=True,
            )
        )
    return out
