"""Targets, registered explicitly: one module each, one line here."""

from __future__ import annotations

from mlstrata.targets.aws import AWS
from mlstrata.targets.base import Target, UnitFiles

TARGETS: dict[str, Target] = {
    "aws": AWS,
}

__all__ = ["TARGETS", "Target", "UnitFiles"]
