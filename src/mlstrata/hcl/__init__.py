"""A small, fast reader for Terraform's native HCL syntax (on tree-sitter).

`parse_file(path)` / `parse_text(text, filename)` give an `HclFile`: its `body` (attributes and blocks,
with 1-based positions) and `errors` (syntax diagnostics). Literal values are decoded; everything else
is `UNKNOWN` plus the expression's text.
"""

from __future__ import annotations

from mlstrata.hcl.dynamic import DYNAMIC_ARGUMENTS, dynamic_blocks
from mlstrata.hcl.model import UNKNOWN, Attribute, Block, Body, ExprKind, HclFile, Unknown, Value, is_known
from mlstrata.hcl.reader import parse_file, parse_text, read_file

__all__ = [
    "DYNAMIC_ARGUMENTS",
    "UNKNOWN",
    "Attribute",
    "Block",
    "Body",
    "ExprKind",
    "HclFile",
    "Unknown",
    "Value",
    "dynamic_blocks",
    "is_known",
    "parse_file",
    "parse_text",
    "read_file",
]
