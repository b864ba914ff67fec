"""Where workloads ask to run: node selectors and tolerations written in module arguments and resource
attributes (a serving class, a chart's values as an HCL object), collected for the configuration-wide
serving rules."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import lru_cache

from mlstrata.diagnostics import Where
from mlstrata.hcl import UNKNOWN, Attribute, Value
from mlstrata.hcl.evaluate import BUILDS_KEYS, BUILDS_STRINGS, names_read
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


# What in an expression's text may make a key its text does not spell: an object constructor (`{`, not `${`/`%{`)
# whose keys may be made from strings, and what makes strings (an escape such as "node\u005fselector", an
# interpolation, a function such as format or lower); a function that decodes objects from strings.
_OBJECT = re.compile(r"(?<![$%])\{")
_BUILDS_STRING = re.compile(r"\\|\$\{|\b(?:" + "|".join(sorted(BUILDS_STRINGS)) + r")\b")
_BUILDS_KEYS = re.compile(r"\b(?:" + "|".join(sorted(BUILDS_KEYS)) + r")\b")


def _names_a_selector(value: Value) -> bool:
    """Whether a key or a string anywhere in the value has a node selector's name in it."""
    if isinstance(value, str):
        return any(key in value for key in SELECTOR_KEYS)
    if isinstance(value, dict):
        return any(_names_a_selector(k) or _names_a_selector(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_names_a_selector(v) for v in value)
    return False


@lru_cache(maxsize=16384)
def _reads_for_keys(text: str) -> tuple[frozenset[str], frozenset[str]] | None:
    """What decides whether an expression may hold a selector key, from its text alone (the same in every module):
    None when the text itself may (it names a selector, or may make keys), else the variables and locals it reads."""
    if any(key in text for key in SELECTOR_KEYS) or _BUILDS_KEYS.search(text):
        return None
    read = names_read(text)
    if read is None or ((read[1] or _BUILDS_STRING.search(text)) and _OBJECT.search(text)):
        return None
    return read


def _may_hold_selector(ctx: ModuleContext, text: str, seen: frozenset[str] = frozenset()) -> bool:
    """False when an expression's value cannot hold an object with a node selector key, whatever the values of the
    variables and locals it reads (most arguments: evaluating them all was most of what placements cost).

    A key is spelled in the text, or comes in an object or a string read from a variable or a local, or is made
    by the expression: by an object constructor from strings (built, or read from a local), or decoded from a
    string (hcl.evaluate.BUILDS_KEYS). Every other function passes on, picks or cuts the strings and objects it
    is given. So the expression may hold one when its text names a selector or may make a key, when a variable
    it reads has a selector's name anywhere in its value, or when a local it reads may hold one (recursively)."""
    read = _reads_for_keys(text)
    if read is None:
        return True
    variables, locals_ = read
    if not variables and not locals_:
        return False
    memo = ctx.memo.setdefault("placement.names", {})
    assert isinstance(memo, dict)
    for name in variables:
        if ("var", name) not in memo:
            bound = ctx.ev.variables.get(name)
            memo["var", name] = bound is not None and _names_a_selector(bound.value)
        if memo["var", name]:
            return True
    for name in locals_:
        if name in seen:
            return True  # a cycle (Terraform refuses it): not judged
        if ("local", name) not in memo:
            attr = ctx.ev.locals.get(name)
            memo["local", name] = attr is not None and _may_hold_selector(ctx, attr.expr_text, seen | {name})
        if memo["local", name]:
            return True
    return False


def placements(ctx: ModuleContext) -> tuple[PlacementFacts, ...]:
    """Placements written literally in this module's calls and resources (what is unknown is skipped).

    Only what can hold a placement is evaluated: an attribute named like a node selector (with the tolerations,
    replicas and GPUs beside it), or one whose value may be an object holding a selector key (_may_hold_selector);
    and whether a resource exists only when it holds a placement. Evaluating every other argument of every
    resource and call, once per evaluation of the module, was most of what this cost: on the real-world corpus
    24k arguments were evaluated per check, 0.6k now."""
    out: list[PlacementFacts] = []
    for item in [*ctx.module.calls, *ctx.module.resources]:
        attrs = {n: a for n, a in item.body.attributes.items() if n not in META}
        found: list[PlacementFacts] = []
        literal: dict[str, Value] = {}
        for name, attr in attrs.items():
            if name in SELECTOR_KEYS:
                fields = {k: _literal(ctx, attrs, k, literal) for k in (name, "tolerations", *REPLICA_KEYS, *GPU_KEYS)
                          if k in attrs}
                found += _found(fields, item.address, attr, item)
            elif attr.kind not in NEVER_AN_OBJECT and _may_hold_selector(ctx, attr.expr_text):
                value = _literal(ctx, attrs, name, literal)
                if isinstance(value, dict):
                    found += _found(value, f"{item.address}.{name}", attr, item)
        # whether the resource exists only matters when it holds a placement (most hold none): its count or
        # for_each is evaluated then only
        if found and (item.kind != "resource" or ctx.exists(item)):
            out += found
    return tuple(out)


def _literal(ctx: ModuleContext, attrs: Mapping[str, Attribute], name: str, known: dict[str, Value]) -> Value:
    """The attribute's value, else what is literal in it (remembered in `known`)."""
    if name not in known:
        attr = attrs[name]
        value = ctx.value(attr)
        known[name] = attr.partial_value if value is UNKNOWN else value
    return known[name]
