"""The price catalog's schema: pydantic models that validate a catalog file (types, no negative prices,
every price with a known source and an ISO date). Imported only to validate one: the shipped catalog is
validated by the tests, and commands that only read it do not pay for pydantic (issue 17).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Cloud = Literal["aws", "gcp", "azure"]
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
