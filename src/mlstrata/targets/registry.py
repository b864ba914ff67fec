"""Targets, registered explicitly: one module each, one line here."""

from __future__ import annotations

from mlstrata.targets.aws.render import AWS
from mlstrata.targets.azure.target import AZURE
from mlstrata.targets.base import Target, UnitFiles
from mlstrata.targets.gcp.render import GCP
from mlstrata.targets.local.render import LOCAL
from mlstrata.targets.runs import routine_warning

TARGETS: dict[str, Target] = {
    "aws": AWS,
    "azure": AZURE,
    "gcp": GCP,
    "local": LOCAL,
}


__all__ = ["TARGETS", "Target", "UnitFiles", "routine_warning"]
