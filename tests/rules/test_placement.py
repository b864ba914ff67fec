"""Placements written in module arguments and resource attributes (rules/placement.py): found wherever evaluating
every argument finds them, with only the arguments that may hold one evaluated."""

from __future__ import annotations

import pytest

from mlstrata.diagnostics import Where
from mlstrata.hcl import Value, parse_text
from mlstrata.hcl.evaluate import Bound
from mlstrata.rules import placement
from mlstrata.rules.context import CallSite, ModuleContext, PlacementFacts
from mlstrata.rules.model import build_module

# Every way a node selector's key reaches an argument: spelled, from a variable's value, through locals, made by an
# escape, an interpolation, a string function, a `for` over strings, decoded from JSON.
MODULE = r'''
locals {
  key      = lower("NODE_SELECTOR")
  from_key = { (local.key) = { pool = "b" } }
  chained  = local.from_key
  json     = "{\"node${"_"}selector\": {\"pool\": \"f\"}}"
  dashed   = { (replace("node-selector", "-", "_")) = { pool = "i" } }
}

resource "kubernetes_manifest" "from_var" {
  manifest = var.values
}

resource "kubernetes_manifest" "from_locals" {
  manifest = local.chained
}

resource "kubernetes_manifest" "escaped" {
  manifest = { "node\u005fselector" = { pool = "c" } }
}

resource "kubernetes_manifest" "interpolated" {
  manifest = { "${"node"}_selector" = { pool = "d" } }
}

resource "kubernetes_manifest" "formatted" {
  manifest = { spec = { (format("%s_selector", "node")) = { pool = "e" } } }
}

resource "kubernetes_manifest" "decoded" {
  manifest = jsondecode(local.json)
}

resource "kubernetes_manifest" "for_strings" {
  manifest = { for k in var.keys : k => { pool = "g" } }
}

resource "kubernetes_manifest" "for_built" {
  manifest = { for k in ["node"] : "${k}_selector" => { pool = "h" } }
}

resource "kubernetes_manifest" "looked_up" {
  manifest = lookup(var.maps, "a")
}

module "serving" {
  source   = "./serving"
  settings = local.dashed
  spelled  = { nodeSelector = { pool = "a" }, tolerations = [] }
}

resource "kubernetes_manifest" "none" {
  count    = length(var.values)
  name     = var.use_prefix ? "${var.name}-" : null
  tags     = merge(var.tags, { team = "ml" })
  labels   = { name = var.name }
  manifest = local.key_free
}

locals {
  key_free = { replicas = 2 }
}
'''
ARGS: dict[str, Value] = {
    "values": {"nodeSelector": {"pool": "a"}}, "keys": ["nodeSelector"], "maps": {"a": {"node_selector": {"p": "j"}}},
    "use_prefix": True, "name": "ml", "tags": {"owner": "ml"},
}


def _ctx() -> ModuleContext:
    variables = parse_text("".join(f'variable "{name}" {{}}\n' for name in ARGS), "/m/variables.tf")
    view = build_module("/m", [parse_text(MODULE, "/m/main.tf"), variables], [], [])
    call = CallSite("/", "m", Where("/main.tf", 1, 1), {k: Bound(v) for k, v in ARGS.items()}, None)
    return ModuleContext(view, "called", None, call=call)


def _addresses(found: tuple[PlacementFacts, ...]) -> set[str]:
    return {p.address.split(".")[1] for p in found}


def test_placements_are_those_evaluating_every_argument_finds(monkeypatch: pytest.MonkeyPatch) -> None:
    found = placement.placements(_ctx())
    with monkeypatch.context() as m:
        m.setattr(placement, "_may_hold_selector", lambda ctx, text, seen=frozenset(): True)
        everything = placement.placements(_ctx())
    assert found == everything
    assert _addresses(found) == {"from_var", "from_locals", "escaped", "interpolated", "formatted", "decoded",
                                 "for_strings", "for_built", "looked_up", "serving"}
    assert {p.selector for p in found if p.address.startswith("module.")} == {(("pool", "a"),), (("pool", "i"),)}


def test_arguments_that_cannot_hold_a_selector_are_not_evaluated() -> None:
    """Evaluating every argument of every resource and call was most of what placements cost (the real-world
    corpus: 24k arguments evaluated per check, 600 now); nor is whether a resource exists asked when it holds
    none. Failed before: every argument of `none` (and its count) was evaluated."""
    ctx = _ctx()
    ctx.module.resources[:] = [r for r in ctx.module.resources if r.name == "none"]
    ctx.module.calls.clear()
    read: list[str] = []
    text = ctx.ev.text

    def recording(expr_text: str, scope: dict[str, Value] | None = None) -> Value:
        read.append(expr_text)
        return text(expr_text, scope)

    ctx.ev.text = recording  # type: ignore[method-assign]
    assert placement.placements(ctx) == ()
    assert read == []
