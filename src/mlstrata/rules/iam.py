"""IAM policy documents in Terraform code, for the guardrail rules.

Statements from wherever a module writes them (`aws_iam_policy_document` data sources, `jsonencode({...})`
literals, JSON heredocs), parts that cannot be resolved kept UNKNOWN. The same documents in a plan (JSON
values, nothing unknown) are read as grants by `rules.iam_grants`, apart so that the review gate loads no
HCL reader.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from mlstrata.diagnostics import Where
from mlstrata.hcl import UNKNOWN, Attribute, Value
from mlstrata.rules.blocks import expand
from mlstrata.rules.context import ModuleContext
from mlstrata.rules.iam_grants import as_list
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
                    principals.append((ptype, as_list(ids) if ids is not UNKNOWN else [UNKNOWN]))
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
                    as_list(values) if values is not UNKNOWN else [UNKNOWN],
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
                else (as_list(actions) if actions is not UNKNOWN else [UNKNOWN]),
                resources=None
                if "resources" not in attrs
                else (as_list(resources) if resources is not UNKNOWN else [UNKNOWN]),
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
            principals = [(k, as_list(v)) for k, v in principal.items()]
        elif principal is not None:
            principals = [(UNKNOWN, [UNKNOWN])]
        conditions: list[tuple[Value, Value, list[Value]]] = []
        cond = st.get("Condition")
        if isinstance(cond, dict):
            for test, inner in cond.items():
                if isinstance(inner, dict):
                    conditions += [(test, var, as_list(vals)) for var, vals in inner.items()]
                else:
                    conditions.append((test, UNKNOWN, [UNKNOWN]))
        elif cond is not None:
            conditions.append((UNKNOWN, UNKNOWN, [UNKNOWN]))
        out.append(
            Statement(
                effect=st.get("Effect", UNKNOWN),
                actions=as_list(st["Action"]) if "Action" in st else None,
                resources=as_list(st["Resource"]) if "Resource" in st else None,
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
