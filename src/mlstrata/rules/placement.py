"""Where workloads ask to run: node selectors and tolerations written in module arguments and resource
attributes (a serving class, a chart's values as an HCL object), collected for the configuration-wide
serving rules."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from mlstrata.diagnostics import Where
from mlstrata.hcl import UNKNOWN, Attribute, Value
from mlstrata.rules.context import ModuleContext, PlacementFacts
from mlstrata.rules.model import Item

SELECTOR_KEYS = ("node_selector", "nodeSelector")
REPLICA_KEYS = ("min_replicas", "minReplicas")
GPU_KEYS = ("gpus", "gpu_quota")
# Meta-arguments: for_each repeats the objects the module's arguments already carry.
META = frozenset({"for_each", "count", "depends_on", "provider", "providers", "source", "version"})


def _pairs(value: Value) -> tuple[tuple[str, str], ...] | None:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        return None
    return tuple(sorted((str(k), str(v)) for k, v in value.items()))


def _tolerations(value: Value) -> tuple[tuple[str, str, str, str], ...] | None:
    if value is None:
        return ()
    if not isinstance(value, list):
        return None
    out = []
    for t in value:
        if not isinstance(t, dict) or not all(isinstance(t.get(k, ""), str) for k in ("key", "operator", "value",
                                                                                     "effect")):
            return None
        out.append((str(t.get("key", "")), str(t.get("operator", "Equal")), str(t.get("value", "")),
                    str(t.get("effect", ""))))
    return tuple(out)


def _count(fields: Mapping[str, Value], keys: tuple[str, ...]) -> int | None:
    for key in keys:
        value = fields.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return int(value)
    return None


def _key_line(attr: Attribute, keys: tuple[str, ...]) -> int:
    """The line of the innermost of `keys` (nested object keys, in order) inside the attribute's expression:
    values carry no positions, so the keys are found in its text, each after the one before."""
    offset = 0
    for key in keys:
        match = re.compile(r'(^|[\s{,])"?' + re.escape(key) + r'"?\s*[=:]').search(attr.expr_text, offset)
        if match is None:
            return attr.line
        offset = match.end()
    return attr.line + attr.expr_text.count("\n", 0, offset)


def _found(fields: Mapping[str, Value], address: str, attr: Attribute, item: Item,
           keys: tuple[str, ...] = ()) -> Iterator[PlacementFacts]:
    """Every object under `fields` (and `fields` itself) that carries a node selector."""
    for key in SELECTOR_KEYS:
        if key in fields:
            selector = _pairs(fields[key])
            tolerations = _tolerations(fields.get("tolerations"))
            if selector is not None and tolerations is not None:
                where = item.at(attr)
                yield PlacementFacts(address, Where(where.file, _key_line(attr, keys), where.column if not keys
                                                    else 1), selector, tolerations,
                                     _count(fields, REPLICA_KEYS), _count(fields, GPU_KEYS))
            break
    for name, value in fields.items():
        if isinstance(value, dict):
            yield from _found(value, f"{address}.{name}", attr, item, (*keys, name))


# Expressions whose value is never an object: a template is a string, an operation a number or a bool.
NEVER_AN_OBJECT = frozenset({"template", "operation"})


def placements(ctx: ModuleContext) -> tuple[PlacementFacts, ...]:
    """Placements written literally in this module's calls and resources (what is unknown is skipped).

    Only what can hold a placement is evaluated: an attribute named like a node selector (with the tolerations,
    replicas and GPUs beside it), or one whose value may be an object; and whether a resource exists only when
    it has such an attribute. Evaluating every argument of every resource and call, once per evaluation of the
    module, cost 0.32 s of a one-process check of the real-world corpus (0.27 s now, medians of 3)."""
    out: list[PlacementFacts] = []
    for item in [*ctx.module.calls, *ctx.module.resources]:
        attrs = {n: a for n, a in item.body.attributes.items() if n not in META}
        wanted = [n for n, a in attrs.items() if n in SELECTOR_KEYS or a.kind not in NEVER_AN_OBJECT]
        if not wanted or (item.kind == "resource" and not ctx.exists(item)):
            continue
        literal: dict[str, Value] = {}
        for name in wanted:
            attr = attrs[name]
            if name in SELECTOR_KEYS:
                fields = {k: _literal(ctx, attrs, k, literal) for k in (name, "tolerations", *REPLICA_KEYS, *GPU_KEYS)
                          if k in attrs}
                out += _found(fields, item.address, attr, item)
            else:
                value = _literal(ctx, attrs, name, literal)
                if isinstance(value, dict):
                    out += _found(value, f"{item.address}.{name}", attr, item)
    return tuple(out)


def _literal(ctx: ModuleContext, attrs: Mapping[str, Attribute], name: str, known: dict[str, Value]) -> Value:
    """The attribute's value, else what is literal in it (remembered in `known`)."""
    if name not in known:
        attr = attrs[name]
        value = ctx.value(attr)
        known[name] = attr.partial_value if value is UNKNOWN else value
    return known[name]
