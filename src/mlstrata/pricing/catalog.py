"""The shipped GPU price catalog: `data/gpu_prices.json`, validated into typed, frozen values.

Validation is a pydantic schema (types, no negative prices, every price with a known source and
an ISO date) plus whole-file rules: no duplicate (cloud, region, instance type).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from mlstrata.diagnostics import Diagnostic, Where, error

Cloud = Literal["aws", "gcp", "azure"]
CLOUDS: tuple[str, ...] = ("aws", "gcp", "azure")
SHIPPED = "gpu_prices.json"
IsoDate = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SourceModel(_Model):
    url: Annotated[str, StringConstraints(pattern=r"^https://\S+$")]
    publisher: str = Field(min_length=1)
    retrieved: IsoDate
    note: str = ""


class PriceModel(_Model):
    usd_per_hour: float = Field(ge=0, allow_inf_nan=False)
    source: str = Field(min_length=1)
    date: IsoDate
    basis: str = ""


class InstanceModel(_Model):
    cloud: Cloud
    region: str = Field(min_length=1)
    instance_type: str = Field(min_length=1)
    gpu_model: str = Field(min_length=1)
    gpu_count: int = Field(ge=1)
    gpu_memory_gib: float = Field(gt=0)
    vcpu: int = Field(ge=1)
    memory_gib: float = Field(gt=0)
    hardware_source: str = Field(min_length=1)
    on_demand: PriceModel
    spot: PriceModel | None = None


class CatalogModel(_Model):
    format: Literal[1]
    description: str = ""
    sources: dict[str, SourceModel] = Field(min_length=1)
    instances: list[InstanceModel] = Field(min_length=1)

    @model_validator(mode="after")
    def _references_and_dates(self) -> CatalogModel:
        for i, inst in enumerate(self.instances):
            refs = [("hardware_source", inst.hardware_source), ("on_demand.source", inst.on_demand.source)]
            if inst.spot is not None:
                refs.append(("spot.source", inst.spot.source))
            for field_name, ref in refs:
                if ref not in self.sources:
                    raise ValueError(f"instances[{i}].{field_name}: unknown source `{ref}`")
            for price in (inst.on_demand, inst.spot):
                if price is not None:
                    dt.date.fromisoformat(price.date)
        return self


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
    try:
        model = CatalogModel.model_validate(doc)
    except ValidationError as exc:
        problems = []
        for e in exc.errors(include_url=False):
            loc = ".".join(str(p) for p in e["loc"])
            problems.append(_err(file, e["msg"], path=loc))
        raise CatalogError(problems) from None
    entries: dict[tuple[str, str, str], InstancePrice] = {}
    problems = []
    for i, inst in enumerate(model.instances):
        key = (inst.cloud, inst.region, inst.instance_type)
        if key in entries:
            problems.append(_err(file, f"duplicate entry for {inst.instance_type} in {inst.cloud}/{inst.region}",
                                 path=f"instances.{i}", hint="Keep one entry per (cloud, region, instance type)."))
            continue
        hw_src = model.sources[inst.hardware_source]
        entries[key] = InstancePrice(
            cloud=inst.cloud, region=inst.region, instance_type=inst.instance_type,
            hardware=HardwareFacts(inst.gpu_model, inst.gpu_count, inst.gpu_memory_gib, inst.vcpu,
                                   inst.memory_gib, hw_src.url),
            on_demand=_price(inst.on_demand, model),
            spot=_price(inst.spot, model) if inst.spot is not None else None,
        )
    if problems:
        raise CatalogError(problems)
    return Catalog(entries)


def _price(p: PriceModel, model: CatalogModel) -> Price:
    return Price(p.usd_per_hour, model.sources[p.source].url, p.date, "catalog", p.basis)


def load_catalog(path: Path) -> Catalog:
    """Read and validate a catalog file."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CatalogError([_err(str(path), "cannot read the price catalog", hint=str(exc))]) from None
    return parse_catalog(doc, str(path))


def load_shipped_catalog() -> Catalog:
    """The catalog shipped in the package."""
    text = resources.files("mlstrata.pricing").joinpath("data", SHIPPED).read_text("utf-8")
    return parse_catalog(json.loads(text), SHIPPED)
