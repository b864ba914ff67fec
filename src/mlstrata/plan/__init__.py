"""Typed Terraform plans: `Action`, `ResourceChange`, `Plan`, decoded from `terraform show -json`."""

from __future__ import annotations

from mlstrata.plan.action import Action, UnknownActionError, action_from_json
from mlstrata.plan.decode import PlanFormatError, decode_plan, load_plan, plan_from_dict
from mlstrata.plan.model import ChangeCounts, OutputChange, Plan, ResourceChange, ResourceMode

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
