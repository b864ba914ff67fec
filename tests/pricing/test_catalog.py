"""The shipped catalog validates, and each validation rule rejects a broken catalog."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlstrata.pricing.catalog import (
    CLOUDS,
    CatalogError,
    load_catalog,
    load_shipped_catalog,
    parse_catalog,
    shipped_document,
)

DATA = Path(__file__).resolve().parents[1] / "testdata" / "pricing"
SHIPPED = Path(__file__).resolve().parents[2] / "src" / "mlstrata" / "pricing" / "data" / "gpu_prices.json"


def test_shipped_catalog_is_valid_and_every_price_has_source_and_date() -> None:
    catalog = load_shipped_catalog()
    assert catalog.entries
    for entry in catalog.entries.values():
        for price in (entry.on_demand, entry.spot):
            if price is None:
                continue
            assert price.usd_per_hour > 0
            assert price.source.startswith("https://")
            assert len(price.date) == 10
        assert entry.hardware.source.startswith("https://")
        assert entry.cloud in CLOUDS


def test_shipped_catalog_read_without_the_schema_is_the_validated_one() -> None:
    # commands read the shipped file without pydantic (issue 17): this test is what validates it
    validated = parse_catalog(shipped_document())
    assert load_shipped_catalog() == validated
    assert all(type(e.on_demand.usd_per_hour) is float for e in validated.entries.values())


def test_shipped_catalog_covers_the_required_aws_families_in_three_regions() -> None:
    catalog = load_shipped_catalog()
    regions: dict[str, set[str]] = {}
    for cloud, region, itype in catalog.entries:
        if cloud == "aws":
            regions.setdefault(itype.split(".")[0], set()).add(region)
    for family in ("g4dn", "g5", "g6", "g6e", "p4d", "p5", "p5en"):
        assert len(regions.get(family, set())) >= 3, family
    assert regions["p4de"], "p4de is sold in two regions only"


def test_shipped_catalog_covers_the_required_gcp_and_azure_series_in_three_regions() -> None:
    catalog = load_shipped_catalog()
    required = {
        "gcp": ("a2-highgpu-", "a3-highgpu-", "a3-megagpu-", "a3-ultragpu-", "g2-standard-"),
        "azure": ("_A100_v4", "ads_H100_v5", "Standard_ND96isr_H100_v5", "_A10_v5"),
    }
    for cloud, series_markers in required.items():
        for marker in series_markers:
            regions = {r for c, r, t in catalog.entries if c == cloud and marker in t}
            assert len(regions) >= 3, (cloud, marker, sorted(regions))


def test_shipped_spot_prices_are_below_on_demand() -> None:
    # A spot price at or above on-demand means the source row belongs to another SKU.
    for entry in load_shipped_catalog().entries.values():
        if entry.spot is not None:
            assert entry.spot.usd_per_hour < entry.on_demand.usd_per_hour, (entry.instance_type, entry.region)


def test_shipped_file_is_deterministic_json() -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"


@pytest.mark.parametrize(("fixture", "expected"), [
    ("negative_price", "greater than or equal to 0"),
    ("missing_price", "on_demand"),
    ("duplicate", "duplicate entry for g6.xlarge"),
    ("unknown_source", "unknown source `nowhere`"),
    ("missing_date", "date"),
    ("bad_date", "month must be in 1..12"),
    ("bad_source_url", "url"),
    ("no_gpus", "gpu_count"),
])
def test_broken_catalog_is_rejected(fixture: str, expected: str) -> None:
    with pytest.raises(CatalogError) as info:
        load_catalog(DATA / "broken" / f"{fixture}.json")
    text = " ".join(f"{d.path} {d.summary}" for d in info.value.diagnostics)
    assert expected in text
    assert all(d.where is not None and d.where.file.endswith(f"{fixture}.json") for d in info.value.diagnostics)


def test_the_small_test_catalog_itself_is_valid() -> None:
    assert len(load_catalog(DATA / "catalog_small.json").entries) == 4
