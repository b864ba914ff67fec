"""Which target offers what (`mlstrata.targets.offers`), for the spec's checks: every target's data-only
`offers.py`, by target name, and nothing else of the targets."""

from __future__ import annotations

from functools import cache

from mlstrata.targets.aws import offers as aws
from mlstrata.targets.azure import offers as azure
from mlstrata.targets.gcp import offers as gcp
from mlstrata.targets.local import offers as local
from mlstrata.targets.offers import Offers


@cache
def offers() -> dict[str, Offers]:
    """Every target's offers, by target name."""
    return {"aws": aws.OFFERS, "gcp": gcp.OFFERS, "azure": azure.OFFERS, "local": local.OFFERS}


def offered_by(what: str, name: str) -> list[str]:
    """The targets whose `what` (an `Offers` field holding names) includes `name`, in target order."""
    return [target for target, o in offers().items() if name in (getattr(o, what) or ())]
