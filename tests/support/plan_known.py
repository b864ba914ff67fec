"""Which set-valued `for_each` arguments of a rendered tree hold values Terraform only knows after apply.

Terraform must know the keys of a resource's instances when it plans: a `for_each` over a set (`toset(...)`)
whose members come from an attribute of a resource created in the same run fails the first plan with
"Invalid for_each argument" (https://developer.hashicorp.com/terraform/language/meta-arguments/for_each
#limitations-on-values-used-in-for_each); a map with fixed keys may carry unknown values. This follows every
module call of every root of a rendered tree (and module calls inside modules), judging each argument by its
expression: literals, known `var.`/`local.`, and `data.` sources (read while planning; the rendered roots give
them no unknown argument) are known; `module.` outputs and resource attributes are not. Only `toset(...)`
expressions are judged: for them "an element may be unknown" is exactly Terraform's error, whereas counts and
maps built by functions would need Terraform's own evaluation (a list of unknown ids still has a known length).
"""

from __future__ import annotations

import posixpath
import re

from mlstrata.hcl import Block, parse_text

# A reference to a managed resource (`azurerm_x.name`), as opposed to var./local./data./module./each./count.
_RESOURCE = re.compile(r"(?<![\w.])(?!var\.|local\.|data\.|module\.|each\.|count\.|path\.|terraform\.)"
                       r"[a-z][a-z0-9]*_[a-z0-9_]+\.[a-z_][a-z0-9_-]*")
_MODULE = re.compile(r"(?<![\w.])module\.\w+")
_VAR = re.compile(r"(?<![\w.])var\.(\w+)")
_LOCAL = re.compile(r"(?<![\w.])local\.(\w+)")


def _strip_strings(expr: str) -> str:
    """The expression without the literal parts of its strings (a name such as "a.b" is no reference)."""
    return re.sub(r'"(?:[^"\\$]|\\.|\$(?!\{))*"', '""', expr)


class _Scope:
    """One module instance: its files' blocks, its locals and which of its input variables are unknown."""

    def __init__(self, files: dict[str, str], folder: str, unknown_vars: set[str]) -> None:
        self.blocks: list[tuple[str, Block]] = []
        for rel, text in sorted(files.items()):
            if posixpath.dirname(rel) == folder and rel.endswith(".tf"):
                self.blocks += [(rel, b) for b in parse_text(text, rel).body.blocks]
        self.folder = folder
        self.unknown_vars = unknown_vars
        self.locals = {name: attr.expr_text for _, b in self.blocks if b.type == "locals"
                       for name, attr in b.body.attributes.items()}
        self._local_unknown: dict[str, bool] = {}

    def unknown(self, expr: str, seen: frozenset[str] = frozenset()) -> bool:
        """Whether `expr` may be unknown while planning a first apply."""
        code = _strip_strings(expr)
        if _MODULE.search(code) or _RESOURCE.search(code):
            return True
        if any(name in self.unknown_vars for name in _VAR.findall(code)):
            return True
        for name in _LOCAL.findall(code):
            if name in seen:
                continue
            if name not in self._local_unknown:
                self._local_unknown[name] = name in self.locals and self.unknown(self.locals[name], seen | {name})
            if self._local_unknown[name]:
                return True
        return False


def unknown_instance_keys(files: dict[str, str], root: str) -> list[str]:
    """Set-valued `for_each` arguments reachable from the root folder `root` that may hold unknown members while
    planning a first apply: "<file>:<line>: <block> for_each = <expression>" for each."""
    return _walk(files, root, set())


def _walk(files: dict[str, str], folder: str, unknown_vars: set[str]) -> list[str]:
    scope = _Scope(files, folder, unknown_vars)
    found: list[str] = []
    for rel, block in scope.blocks:
        if block.type not in ("resource", "data", "module"):
            continue
        name = ".".join(block.labels)
        attr = block.body.attributes.get("for_each")
        if attr is not None and "toset(" in attr.expr_text and scope.unknown(attr.expr_text):
            found.append(f"{rel}:{attr.line}: {block.type} {name} for_each = {attr.expr_text}")
        if block.type == "module":
            source = block.body.attributes["source"].value
            if not isinstance(source, str) or not source.startswith("."):
                continue
            child = posixpath.normpath(posixpath.join(folder, source))
            args = {k: a for k, a in block.body.attributes.items()
                    if k not in ("source", "version", "providers", "count", "for_each", "depends_on")}
            child_unknown = {k for k, a in args.items() if scope.unknown(a.expr_text)}
            found += _walk(files, child, child_unknown)
    return found
