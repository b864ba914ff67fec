"""Targets, registered explicitly: one module each, one line here."""

from __future__ import annotations

from mlstrata.diagnostics import Diagnostic
from mlstrata.targets.aws.render import AWS
from mlstrata.targets.azure.target import AZURE
from mlstrata.targets.base import Target, UnitFiles
from mlstrata.targets.gcp.render import GCP
from mlstrata.targets.local.render import LOCAL
from mlstrata.targets.local.workspace import routine_warning as local_routine_warning

TARGETS: dict[str, Target] = {
    "aws": AWS,
    "azure": AZURE,
    "gcp": GCP,
    "local": LOCAL,
}


def routine_warning(d: Diagnostic) -> bool:
    """A warning Terraform gives on every run of a target that is expected there, not something to act on."""
    return local_routine_warning(d)


__all__ = ["TARGETS", "Target", "UnitFiles", "routine_warning"]
