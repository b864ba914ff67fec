"""Terraform state as `terraform show -json` writes it: of a state (`values`), or inside a plan (`prior_state`).

One walk of the module tree (`values.root_module` and its `child_modules`) for everything that reads state JSON:
drift and parity ("does this unit hold anything yet?"), parity's level-3 comparison, the apply gate's record of
the `terraform_remote_state` outputs a plan read.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any


def root_module(doc: Mapping[str, Any]) -> Mapping[str, Any]:
    """The root module of a state document, or of a plan document's prior state ({} when there is none)."""
    state = doc.get("prior_state") if "prior_state" in doc else doc
    values = state.get("values") if isinstance(state, Mapping) else None
    root = values.get("root_module") if isinstance(values, Mapping) else None
    return root if isinstance(root, Mapping) else {}


def resources(doc: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Every resource object (managed and data) of every module of the state, root module first."""
    stack: list[Any] = [root_module(doc)]
    while stack:
        module = stack.pop()
        if not isinstance(module, Mapping):
            continue
        yield from (r for r in module.get("resources") or () if isinstance(r, Mapping))
        stack += reversed(module.get("child_modules") or ())


def holds_resources(doc: Mapping[str, Any]) -> bool:
    """Whether the state holds any managed resource. False means never applied, or destroyed: for read-only
    commands (drift, parity) such a unit has nothing to compare yet, exactly like one whose plan fails on an
    unapplied unit's state."""
    return any(r.get("mode") == "managed" for r in resources(doc))
