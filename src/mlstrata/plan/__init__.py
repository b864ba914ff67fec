"""Typed Terraform plans: `Action`, `ResourceChange`, `Plan`, decoded from `terraform show -json`.

The decoder (msgspec) loads on first use of its names: the engine's progress reads `ChangeCounts` on every
run, and a plan without changes is never decoded.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from mlstrata.plan.action import Action, UnknownActionError, action_from_json
from mlstrata.plan.model import ChangeCounts, OutputChange, Plan, ResourceChange, ResourceMode

if TYPE_CHECKING:
    from mlstrata.plan.decode import PlanFormatError, decode_plan, load_plan, plan_from_dict

_DECODE = frozenset({"PlanFormatError", "decode_plan", "load_plan", "plan_from_dict"})


def __getattr__(name: str) -> Any:
    if name in _DECODE:
        return getattr(importlib.import_module("mlstrata.plan.decode"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Action",
    "ChangeCounts",
    "OutputChange",
    "Plan",
    "PlanFormatError",
    "ResourceChange",
    "ResourceMode",
    "UnknownActionError",
    "action_from_json",
    "decode_plan",
    "load_plan",
    "plan_from_dict",
]
