"""What price is used for an instance type in a region: the overlay's if the team set one, else the catalog's."""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass
from pathlib import Path

from mlstrata.diagnostics import Diagnostic
from mlstrata.pricing.catalog import Catalog, CatalogError, HardwareFacts, Price, load_shipped_catalog
from mlstrata.pricing.overlay import Overlay, load_overlay, overlay_path


@dataclass(frozen=True)
class Quote:
    """Prices for one (cloud, region, instance type); a None price is unknown, never zero."""

    cloud: str
    region: str
    instance_type: str
    hardware: HardwareFacts | None
    on_demand: Price | None
    spot: Price | None
    capacity_block: Price | None  # only from the overlay: the catalog has no capacity block prices

    @property
    def known(self) -> bool:
        return self.on_demand is not None or self.spot is not None or self.capacity_block is not None

    def to_dict(self) -> dict[str, object]:
        return {
            "cloud": self.cloud,
            "region": self.region,
            "instance_type": self.instance_type,
            "hardware": self.hardware.to_dict() if self.hardware else None,
            "on_demand": self.on_demand.to_dict() if self.on_demand else None,
            "spot": self.spot.to_dict() if self.spot else None,
            "capacity_block": self.capacity_block.to_dict() if self.capacity_block else None,
        }


@dataclass(frozen=True)
class PriceBook:
    catalog: Catalog
    overlay: Overlay | None = None

    def quote(self, cloud: str, region: str, instance_type: str) -> Quote:
        """The prices that will be used, each carrying where it came from."""
        entry = self.catalog.get(cloud, region, instance_type)
        over = self.overlay.get(cloud, region, instance_type) if self.overlay else None

        def pick(field: str, fallback: Price | None) -> Price | None:
            value = getattr(over, field) if over is not None else None
            if value is None:
                return fallback
            assert over is not None
            return Price(value, over.source, over.date, "overlay")

        return Quote(
            cloud=cloud, region=region, instance_type=instance_type,
            hardware=entry.hardware if entry else None,
            on_demand=pick("on_demand_usd_per_hour", entry.on_demand if entry else None),
            spot=pick("spot_usd_per_hour", entry.spot if entry else None),
            capacity_block=pick("capacity_block_usd_per_hour", None),
        )

    def closest(self, cloud: str, region: str, instance_type: str, n: int = 3) -> list[str]:
        """Known types that look like `instance_type` (in `region` first), for "did you mean" hints."""
        here = sorted({t for c, r, t in self.catalog.entries if c == cloud and r == region})
        known = here or self.catalog.types(cloud)
        return difflib.get_close_matches(instance_type, known, n=n, cutoff=0.5)

    def regions(self, cloud: str, instance_type: str) -> list[str]:
        return self.catalog.regions(cloud, instance_type)


@functools.cache
def shipped_price_book() -> PriceBook:
    """The shipped catalog alone, read once per process; raises CatalogError when the package's file is bad."""
    return PriceBook(load_shipped_catalog())


def load_price_book(spec: Path | None) -> tuple[PriceBook | None, list[Diagnostic]]:
    """The price book every command prices with: the shipped catalog, overlaid by the team's prices beside
    `spec` (`.mlstrata/prices.json`) when there is a spec; None and the problems when either cannot be read."""
    try:
        shipped = shipped_price_book()
    except CatalogError as exc:
        return None, exc.diagnostics
    if spec is None:
        return shipped, []
    overlay, problems = load_overlay(overlay_path(spec))
    if problems:
        return None, problems
    return PriceBook(shipped.catalog, overlay), []
