"""Syntax-error diagnostics from a tree-sitter tree (only walked when the tree has errors)."""

from __future__ import annotations

from collections.abc import Callable

import tree_sitter

from mlstrata.diagnostics import Diagnostic, Where, error

MAX_ERRORS_PER_FILE = 20

# Names of tokens tree-sitter may report as missing, as a user would write them.
_TOKEN_TEXT = {
    "block_end": "}",
    "object_end": "}",
    "tuple_end": "]",
    "quoted_template_end": '"',
    "template_interpolation_end": "}",
    "heredoc_identifier": "heredoc end marker",
    "identifier": "name",
    "expression": "expression",
}


def syntax_errors(root: tree_sitter.Node, where: Callable[[tree_sitter.Node], Where]) -> list[Diagnostic]:
    """One diagnostic per outermost ERROR node and per MISSING node, in source order."""
    out: list[Diagnostic] = []
    stack = [root]
    while stack and len(out) < MAX_ERRORS_PER_FILE:
        node = stack.pop()
        if node.is_missing:
            token = _TOKEN_TEXT.get(node.type, node.type)
            out.append(
                error(
                    f"Syntax error: missing {token!r}" if len(token) == 1 else f"Syntax error: missing {token}",
                    where=where(node),
                    hint=f"Add the missing {token} here, or remove what opened it.",
                    code="hcl.syntax",
                )
            )
            continue
        if node.is_error:
            out.append(
                error(
                    f"Syntax error: unexpected {_describe(node)}",
                    where=where(node),
                    hint="Check for a missing value, quote, bracket or brace before this point.",
                    code="hcl.syntax",
                )
            )
            continue
        if node.has_error:
            stack.extend(reversed(node.children))
    return out


def _describe(node: tree_sitter.Node) -> str:
    leaf = node
    while leaf.child_count:
        first = leaf.child(0)
        if first is None:
            break
        leaf = first
    raw = (leaf.text or b"").decode("utf-8", "replace").split("\n", 1)[0]
    if not raw:
        return "input"
    return repr(raw[:30])
