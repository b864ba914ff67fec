"""Reading rendered roots in tests: the blocks of one kind in a rendered file, by their last label."""

from __future__ import annotations

from mlstrata.hcl import parse_text
from mlstrata.hcl.model import Block


def blocks(text: str, kind: str) -> dict[str, Block]:
    """`module`/`output`/... blocks of `text` keyed by their last label (the module or output name)."""
    return {b.labels[-1]: b for b in parse_text(text, "x.tf").body.blocks if b.type == kind}
