"""IAM policy documents, the one model for the guardrail rules and the review gate.

Statements from wherever a module writes them (`aws_iam_policy_document` data sources, `jsonencode({...})`
literals, JSON heredocs), parts that cannot be resolved kept UNKNOWN, for the static rules; and a
document's grants, with what a change adds to them, for the review of plans.

A grant is one (effect, action, resource, principal, condition) combination of a statement. The
widening of a change is: Allow grants only the new document has, plus Deny grants only the old one
had. Actions are compared case-insensitively (IAM does); `NotAction`/`NotResource`/`NotPrincipal`
are kept as `!x`, which counts as a wildcard (it allows everything but x).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from mlstrata.diagnostics import Where
from mlstrata.hcl import UNKNOWN, Attribute, Value
from mlstrata.rules.blocks import expand
from mlstrata.rules.context import ModuleContext
from mlstrata.rules.model import Item

POLICY_DOCUMENT = "aws_iam_policy_document"


@dataclass(frozen=True)
class Statement:
    """One policy statement, normalised. Lists hold UNKNOWN where an element is not known."""

    effect: Value  # "Allow" / "Deny" / UNKNOWN
    actions: list[Value] | None  # None: the statement uses NotAction (or has no actions)
    resources: list[Value] | None
    principals: list[tuple[Value, list[Value]]] | None  # (type, identifiers); None: an identity policy
    conditions: list[tuple[Value, Value, list[Value]]] = field(
        default_factory=list
    )  # (test, variable, values)
    where: Where | None = None
    actions_where: Where | None = None
    principals_where: Where | None = None
    known: bool = True  # false when the statement list itself could not be read completely

    @property
    def allows(self) -> bool:
        return self.effect == "Allow"


def _as_list(value: Value) -> list[Value]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def from_document(ctx: ModuleContext, item: Item) -> list[Statement]:
    """Statements of a `data "aws_iam_policy_document"` block, `dynamic "statement"` expanded."""
    out: list[Statement] = []
    expansion = expand(ctx, item.body, "statement")
    for inst in expansion.blocks:
        body, scope = inst.block.body, inst.scope
        attrs = body.attributes

        def get(name: str, attrs: dict[str, Attribute] = attrs, scope: dict[str, Value] = scope) -> Value:
            return ctx.value(attrs.get(name), scope) if name in attrs else None

        effect = get("effect")
        principals: list[tuple[Value, list[Value]]] | None = None
        principal_block = None
        for kind in ("principals", "not_principals"):
            expanded = expand(ctx, body, kind, scope)
            for p in expanded.blocks:
                principals = principals or []
                principal_block = principal_block or p.block
                if kind == "principals":
                    ptype = ctx.value(p.block.body.attributes.get("type"), p.scope)
                    ids = ctx.value(p.block.body.attributes.get("identifiers"), p.scope)
                    principals.append((ptype, _as_list(ids) if ids is not UNKNOWN else [UNKNOWN]))
            if expanded.unknown:
                principals = (principals or []) + [(UNKNOWN, [UNKNOWN])]
        conditions: list[tuple[Value, Value, list[Value]]] = []
        for cond in expand(ctx, body, "condition", scope).blocks:
            cattrs = cond.block.body.attributes
            values = ctx.value(cattrs.get("values"), cond.scope)
            conditions.append(
                (
                    ctx.value(cattrs.get("test"), cond.scope),
                    ctx.value(cattrs.get("variable"), cond.scope),
                    _as_list(values) if values is not UNKNOWN else [UNKNOWN],
                )
            )
        actions = get("actions")
        resources = get("resources")
        actions_attr = attrs.get("actions")
        out.append(
            Statement(
                effect="Allow" if effect is None else effect,
                actions=None
                if "actions" not in attrs
                else (_as_list(actions) if actions is not UNKNOWN else [UNKNOWN]),
                resources=None
                if "resources" not in attrs
                else (_as_list(resources) if resources is not UNKNOWN else [UNKNOWN]),
                principals=principals,
                conditions=conditions,
                where=item.at(inst.block),
                actions_where=item.at(actions_attr) if actions_attr is not None else item.at(inst.block),
                principals_where=item.at(principal_block)
                if principal_block is not None
                else item.at(inst.block),
                known=not expansion.unknown,
            )
        )
    return out


def _line_of(attr: Attribute, item: Item, pattern: str) -> Where:
    match = re.search(pattern, attr.expr_text)
    if match is None:
        return item.at(attr)
    return Where(item.file, attr.line + attr.expr_text.count("\n", 0, match.start()), 0)


def from_json(data: Value, item: Item, attr: Attribute) -> list[Statement]:
    """Statements of a decoded policy (`jsonencode({...})` or JSON text)."""
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            return []
    if not isinstance(data, dict):
        return []
    raw = data.get("Statement", [])
    statements = raw if isinstance(raw, list) else [raw]
    out: list[Statement] = []
    for st in statements:
        if not isinstance(st, dict):
            out.append(Statement(UNKNOWN, [UNKNOWN], [UNKNOWN], None, where=item.at(attr), known=False))
            continue
        principal = st.get("Principal", st.get("NotPrincipal"))
        principals: list[tuple[Value, list[Value]]] | None = None
        if principal == "*":
            principals = [("*", ["*"])]
        elif isinstance(principal, dict):
            principals = [(k, _as_list(v)) for k, v in principal.items()]
        elif principal is not None:
            principals = [(UNKNOWN, [UNKNOWN])]
        conditions: list[tuple[Value, Value, list[Value]]] = []
        cond = st.get("Condition")
        if isinstance(cond, dict):
            for test, inner in cond.items():
                if isinstance(inner, dict):
                    conditions += [(test, var, _as_list(vals)) for var, vals in inner.items()]
                else:
                    conditions.append((test, UNKNOWN, [UNKNOWN]))
        elif cond is not None:
            conditions.append((UNKNOWN, UNKNOWN, [UNKNOWN]))
        out.append(
            Statement(
                effect=st.get("Effect", UNKNOWN),
                actions=_as_list(st["Action"]) if "Action" in st else None,
                resources=_as_list(st["Resource"]) if "Resource" in st else None,
                principals=principals,
                conditions=conditions,
                where=item.at(attr),
                actions_where=_line_of(attr, item, r'"?Action"?\s*[=:]'),
                principals_where=_line_of(attr, item, r'"?Principal"?\s*[=:]'),
            )
        )
    return out


def statements_of(ctx: ModuleContext, item: Item, attr: Attribute | None) -> list[Statement] | None:
    """The statements a policy attribute holds: from a referenced policy document, or its own JSON.
    None when the attribute refers to a document that the rules read elsewhere, or cannot be read."""
    if attr is None:
        return None
    if ctx.module.referenced(attr.expr_text, POLICY_DOCUMENT):
        return None
    value = ctx.value(attr)
    if value is UNKNOWN or value is None:
        return None
    return from_json(value, item, attr)


def documents_for(ctx: ModuleContext, attr: Attribute | None) -> list[Item]:
    """Policy document data sources an attribute refers to (`data.aws_iam_policy_document.x.json`), and
    those documents' own `source_policy_documents` / `override_policy_documents` in the module, whose
    statements the provider merges into the one policy."""
    if attr is None:
        return []
    found: list[Item] = []
    pending = ctx.module.referenced(attr.expr_text, POLICY_DOCUMENT)
    while pending:
        doc = pending.pop(0)
        if any(d.address == doc.address for d in found):
            continue
        found.append(doc)
        for merged in ("source_policy_documents", "override_policy_documents"):
            nested = doc.attr(merged)
            if nested is not None:
                pending += ctx.module.referenced(nested.expr_text, POLICY_DOCUMENT)
    return found


def resolved_statements(ctx: ModuleContext, item: Item, attr: Attribute | None) -> list[Statement] | None:
    """Statements of a policy attribute, following a reference to a policy document; None if unknown."""
    if attr is None:
        return None
    docs = documents_for(ctx, attr)
    if docs:
        out: list[Statement] = []
        for doc in docs:
            out += from_document(ctx, doc)
        return out
    return statements_of(ctx, item, attr)


# -- grants: the review gate's view of a policy document ----------------------------------------

Grant = tuple[str, str, str, str, str]  # effect, action, resource, principal, condition

# Registry and bucket access levels, weakest first (MLflow permissions; mlstrata bucket access).
REGISTRY_LEVELS = {"NO_PERMISSIONS": 0, "DENY": 0, "READ": 1, "USE": 2, "EDIT": 3, "WRITE": 3, "MANAGE": 4}
ADMIN_POLICY_SUFFIXES = ("/AdministratorAccess", "/PowerUserAccess", "/IAMFullAccess")


def _principals(value: Any, negate: bool) -> list[str]:
    mark = "!" if negate else ""
    if value == "*":
        return [f"{mark}*"]
    if isinstance(value, dict):
        return [f"{mark}{kind}:{p}" for kind in sorted(value) for p in _as_list(value[kind])]
    return [f"{mark}{p}" for p in _as_list(value)]


def _side(stmt: dict[str, Any], key: str, lower: bool = False) -> list[str]:
    plain, negated = stmt.get(key), stmt.get(f"Not{key}")
    items = [str(v) for v in _as_list(plain)] + [f"!{v}" for v in _as_list(negated)]
    if lower:
        items = [v.lower() for v in items]
    return items or [""]


def parse_policy(value: Any) -> dict[str, Any] | None:
    """A policy document from a plan attribute (a JSON string or an already decoded object)."""
    if isinstance(value, dict):
        return value
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        doc = json.loads(value)
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


def grants(doc: dict[str, Any] | None) -> set[Grant]:
    """Every grant of a policy document (empty for None)."""
    out: set[Grant] = set()
    if doc is None:
        return out
    for stmt in _as_list(doc.get("Statement")):
        if not isinstance(stmt, dict):
            continue
        effect = str(stmt.get("Effect", "Allow"))
        condition = json.dumps(stmt["Condition"], sort_keys=True) if stmt.get("Condition") else ""
        if "Principal" in stmt or "NotPrincipal" in stmt:
            principals = _principals(stmt.get("Principal"), False) + _principals(stmt.get("NotPrincipal"), True)
        else:
            principals = [""]
        for action in _side(stmt, "Action", lower=True):
            for resource in _side(stmt, "Resource"):
                for principal in principals:
                    out.add((effect, action, resource, principal, condition))
    return out


def is_wildcard(item: str, kind: str) -> bool:
    """A wildcard action (`*`, `s3:*`, `s3:Get*`), resource (`*`, `arn:...:*`, not `bucket/*` objects)
    or principal (`*`, `AWS:*`); every `Not...` counts (it allows all but what it names)."""
    if item.startswith("!"):
        return True
    if kind == "action":
        return "*" in item
    if kind == "resource":
        return item == "*" or item.endswith(":*")
    return item in ("*", "AWS:*")


@dataclass
class Widening:
    """What a change adds: new actions, resources, principals and wildcards, and removed denies."""

    actions: set[str] = field(default_factory=set)
    resources: set[str] = field(default_factory=set)
    principals: set[str] = field(default_factory=set)
    wildcards: set[str] = field(default_factory=set)
    denies_removed: set[str] = field(default_factory=set)
    conditions_dropped: int = 0
    other: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.actions or self.resources or self.principals or self.wildcards or self.denies_removed
                    or self.conditions_dropped or self.other)

    def merge(self, other: Widening) -> None:
        self.actions |= other.actions
        self.resources |= other.resources
        self.principals |= other.principals
        self.wildcards |= other.wildcards
        self.denies_removed |= other.denies_removed
        self.conditions_dropped += other.conditions_dropped
        self.other += other.other

    def text(self, limit: int = 6) -> str:
        """One line: `+actions a, b; +resources *; new wildcards ...`."""
        def some(items: Iterable[str]) -> str:
            ordered = sorted(items)
            more = f" (+{len(ordered) - limit} more)" if len(ordered) > limit else ""
            return ", ".join(ordered[:limit]) + more

        parts = []
        if self.wildcards:
            parts.append(f"new wildcards {some(self.wildcards)}")
        for label, items in (("actions", self.actions), ("resources", self.resources),
                             ("principals", self.principals)):
            if items:
                parts.append(f"+{label} {some(items)}")
        if self.denies_removed:
            parts.append(f"Deny removed for {some(self.denies_removed)}")
        if self.conditions_dropped:
            parts.append(f"{self.conditions_dropped} grant(s) lost their condition")
        parts += self.other
        return "; ".join(parts)


@lru_cache(maxsize=4096)
def _pattern(item: str) -> re.Pattern[str]:
    return re.compile(re.escape(item).replace(r"\*", ".*").replace(r"\?", "."))


def _matches(item: str, pattern: str) -> bool:
    if item == pattern:
        return True
    if pattern.startswith("!") or item.startswith("!") or not any(c in pattern for c in "*?"):
        return False
    return _pattern(pattern).fullmatch(item) is not None


def covered(grant: Grant, allowed: Iterable[Grant]) -> bool:
    """True when an existing Allow grant already covers `grant` (by IAM wildcard matching)."""
    _, action, resource, principal, condition = grant
    return any(_matches(action, a) and _matches(resource, r) and _matches(principal, p) and c in ("", condition)
               for _, a, r, p, c in allowed)


def widening(before: set[Grant], after: set[Grant], *, new_object: bool = False) -> Widening:
    """How `after` is wider than `before`. For a new object only wildcards count (every new policy adds)."""
    out = Widening()
    allowed_before = [g for g in before if g[0] == "Allow"]
    added = {g for g in after - before if g[0] == "Allow" and not covered(g, allowed_before)}
    old_actions = {g[1] for g in before if g[0] == "Allow"}
    old_resources = {g[2] for g in before if g[0] == "Allow"}
    old_principals = {g[3] for g in before if g[0] == "Allow"}
    unconditioned_before = {g[:4] for g in before if g[0] == "Allow" and not g[4]}
    for _, action, resource, principal, _condition in added:
        for kind, item, old, bucket in (("action", action, old_actions, out.actions),
                                        ("resource", resource, old_resources, out.resources),
                                        ("principal", principal, old_principals, out.principals)):
            if item and item not in old:
                if is_wildcard(item, kind):
                    out.wildcards.add(item)
                if not new_object:
                    bucket.add(item)
    if not new_object:
        conditioned_before = {g[:4] for g in before if g[0] == "Allow" and g[4]}
        dropped = {g[:4] for g in added if not g[4]} & (conditioned_before - unconditioned_before)
        out.conditions_dropped = len(dropped)
        out.denies_removed = {g[1] for g in before - after if g[0] == "Deny"}
    return out


def level_widening(before: Any, after: Any, *, new_object: bool) -> Widening:
    """Access maps (account -> READ/EDIT/MANAGE ...): new accounts and raised levels."""
    out = Widening()
    if not isinstance(after, dict):
        return out
    old = before if isinstance(before, dict) else {}
    for account in sorted(after):
        level = str(after[account])
        rank = REGISTRY_LEVELS.get(level.upper(), 0)
        if account == "*" and rank > 0:
            out.wildcards.add(f"* ({level})")
        if new_object:
            continue
        if account not in old:
            if rank > 0:
                out.principals.add(f"{account} ({level})")
        elif rank > REGISTRY_LEVELS.get(str(old[account]).upper(), 0):
            out.other.append(f"{account}: {old[account]} -> {level}")
    return out
