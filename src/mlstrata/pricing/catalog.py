"""The shipped GPU price catalog: `data/gpu_prices.json`, as typed, frozen values.

A catalog file is validated by a pydantic schema (`catalog_schema.py`: types, no negative prices, every price
with a known source and an ISO date) plus whole-file rules: no duplicate (cloud, region, instance type).
The shipped file is validated by the tests (tests/pricing/test_catalog.py) and read without the schema.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from mlstrata.diagnostics import Diagnostic, Where, error

CLOUDS: tuple[str, ...] = ("aws", "gcp", "azure")
SHIPPED = "gpu_prices.json"


@dataclass(frozen=True)
class Price:
    """One hourly price and where it came from (a catalog source or the team's overlay)."""

    usd_per_hour: float
    source: str  # a URL for catalog prices; the team's own label for overlay prices
    date: str
    origin: Literal["catalog", "overlay"] = "catalog"
    basis: str = ""

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {"usd_per_hour": self.usd_per_hour, "source": self.source,
                                   "date": self.date, "origin": self.origin}
        if self.basis:
            data["basis"] = self.basis
        return data


@dataclass(frozen=True)
class HardwareFacts:
    gpu_model: str
    gpu_count: int
    gpu_memory_gib: float
    vcpu: int
    memory_gib: float
    source: str

    def to_dict(self) -> dict[str, object]:
        return {"gpu_model": self.gpu_model, "gpu_count": self.gpu_count, "gpu_memory_gib": self.gpu_memory_gib,
                "vcpu": self.vcpu, "memory_gib": self.memory_gib, "source": self.source}


@dataclass(frozen=True)
class InstancePrice:
    cloud: str
    region: str
    instance_type: str
    hardware: HardwareFacts
    on_demand: Price
    spot: Price | None


@dataclass(frozen=True)
class Catalog:
    """Catalog entries keyed by (cloud, region, instance type)."""

    entries: dict[tuple[str, str, str], InstancePrice]

    def get(self, cloud: str, region: str, instance_type: str) -> InstancePrice | None:
        return self.entries.get((cloud, region, instance_type))

    def types(self, cloud: str) -> list[str]:
        """Every instance type known for `cloud`, sorted."""
        return sorted({t for c, _, t in self.entries if c == cloud})

    def regions(self, cloud: str, instance_type: str) -> list[str]:
        """Regions with a price for this type, sorted."""
        return sorted(r for c, r, t in self.entries if c == cloud and t == instance_type)


class CatalogError(Exception):
    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("; ".join(d.headline() for d in diagnostics))
        self.diagnostics = diagnostics


def _err(file: str, summary: str, path: str = "", hint: str = "") -> Diagnostic:
    return error(summary, where=Where(file), path=path, code="pricing.catalog",
                 hint=hint or "Fix the catalog entry; every price needs a source and a date.")


def parse_catalog(doc: object, file: str = SHIPPED) -> Catalog:
    """Validate a decoded catalog document; raise CatalogError listing every problem."""
    from pydantic import ValidationError

    from mlstrata.pricing.catalog_schema import CatalogModel

    try:
        model = CatalogModel.model_validate(doc)
    except ValidationError as exc:
        problems = []
        for e in exc.errors(include_url=False):
            loc = ".".join(str(p) for p in e["loc"])
            problems.append(_err(file, e["msg"], path=loc))
        raise CatalogError(problems) from None
    return _catalog(model.model_dump(), file)


def _catalog(doc: dict[str, Any], file: str) -> Catalog:
    """The entries of a catalog document that has the schema's shape (validated, or the shipped one)."""
    sources = {name: source["url"] for name, source in doc["sources"].items()}
    entries: dict[tuple[str, str, str], InstancePrice] = {}
    problems = []
    for i, inst in enumerate(doc["instances"]):
        key = (inst["cloud"], inst["region"], inst["instance_type"])
        if key in entries:
            problems.append(_err(file, f"duplicate entry for {key[2]} in {key[0]}/{key[1]}",
                                 path=f"instances.{i}", hint="Keep one entry per (cloud, region, instance type)."))
            continue
        spot = inst.get("spot")
        entries[key] = InstancePrice(
            cloud=key[0], region=key[1], instance_type=key[2],
            hardware=HardwareFacts(inst["gpu_model"], inst["gpu_count"], float(inst["gpu_memory_gib"]), inst["vcpu"],
                                   float(inst["memory_gib"]), sources[inst["hardware_source"]]),
            on_demand=_price(inst["on_demand"], sources),
            spot=_price(spot, sources) if spot is not None else None,
        )
    if problems:
        raise CatalogError(problems)
    return Catalog(entries)


def _price(p: dict[str, Any], sources: dict[str, str]) -> Price:
    return Price(float(p["usd_per_hour"]), sources[p["source"]], p["date"], "catalog", p.get("basis", ""))


def load_catalog(path: Path) -> Catalog:
    """Read and validate a catalog file."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CatalogError([_err(str(path), "cannot read the price catalog", hint=str(exc))]) from None
    return parse_catalog(doc, str(path))


def shipped_document() -> dict[str, Any]:
    """The shipped catalog file, decoded."""
    doc: dict[str, Any] = json.loads(resources.files("mlstrata.pricing").joinpath("data", SHIPPED).read_text("utf-8"))
    return doc


def load_shipped_catalog() -> Catalog:
    """The catalog shipped in the package (validated by the tests, so read here without the schema)."""
    return _catalog(shipped_document(), SHIPPED)
