"""Overlay rows: parsing, validation, precedence over the catalog."""

from __future__ import annotations

from pathlib import Path

from mlstrata.pricing import Overlay, PriceBook, load_catalog, load_overlay, parse_overlay_rows

DATA = Path(__file__).resolve().parents[1] / "testdata" / "pricing"


def test_csv_rows_parse_and_override_only_the_fields_they_give() -> None:
    path = DATA / "overlay_ok.csv"
    rows, problems = parse_overlay_rows(path.read_text(), str(path))
    assert problems == []
    book = PriceBook(load_catalog(DATA / "catalog_small.json"), Overlay(None, {r.key: r for r in rows}))
    p5 = book.quote("aws", "us-east-1", "p5.48xlarge")
    assert p5.on_demand is not None and p5.on_demand.usd_per_hour == 80 and p5.on_demand.origin == "overlay"
    assert p5.on_demand.source == "EDP 2026 contract" and p5.on_demand.date == "2026-10-01"
    assert p5.capacity_block is not None and p5.capacity_block.usd_per_hour == 60
    g6 = book.quote("aws", "us-east-1", "g6.xlarge")
    assert g6.on_demand is not None and g6.on_demand.origin == "catalog" and g6.on_demand.usd_per_hour == 1.0
    assert g6.capacity_block is not None and g6.capacity_block.usd_per_hour == 0.9


def test_bad_rows_give_one_positioned_diagnostic_each() -> None:
    path = DATA / "overlay_bad.csv"
    rows, problems = parse_overlay_rows(path.read_text(), str(path))
    assert rows == []
    summaries = {(d.where.line if d.where else 0, d.summary) for d in problems}
    assert (2, "`on_demand_usd_per_hour` is negative (-3.0)") in summaries
    assert (3, "`on_demand_usd_per_hour` is not a number (got 'cheap')") in summaries
    assert (4, "no price in this row") in summaries
    assert (5, "missing `region`") in summaries and (5, "missing `source`") in summaries
    assert (5, "date `yesterday` is not YYYY-MM-DD") in summaries


def test_json_rows_and_merge_replaces_same_key(tmp_path: Path) -> None:
    path = DATA / "overlay_ok.json"
    rows, problems = parse_overlay_rows(path.read_text(), str(path))
    assert problems == [] and rows[0].spot_usd_per_hour == 0.7
    stored = tmp_path / "prices.json"
    first = Overlay(stored, {}).merged(rows)
    stored.write_text(first.to_json())
    again, problems = load_overlay(stored)
    assert problems == [] and again.prices == first.prices
    newer = rows[0].__class__(**{**rows[0].__dict__, "spot_usd_per_hour": 0.6})
    assert again.merged([newer]).prices[newer.key].spot_usd_per_hour == 0.6
    assert len(again.merged([newer]).prices) == 1


def test_missing_overlay_file_is_empty(tmp_path: Path) -> None:
    overlay, problems = load_overlay(tmp_path / "nope.json")
    assert overlay.prices == {} and problems == []


def test_hostile_csv_rows_are_diagnostics_not_tracebacks() -> None:
    # issue 10, reproduction 9: a row longer than its header raised TypeError
    header = "region,instance_type,on_demand_usd_per_hour,source,date\n"
    rows, problems = parse_overlay_rows(header + "us-east-1,g6.xlarge,1.0,EDP,2026-01-01,surprise\n", "p.csv")
    assert rows == [] and [(p.where.line if p.where else -1, p.summary) for p in problems] == [
        (2, "1 more field(s) than the header has columns")]
    rows, problems = parse_overlay_rows(header + "us-east-1,g6.xlarge,1\x00.0,EDP,2026-01-01\n", "p.csv")
    assert rows == [] and problems[0].where is not None and problems[0].where.line == 2 and problems[0].hint
    rows, problems = parse_overlay_rows("[" * 100_000 + "]" * 100_000, "p.json")
    assert rows == [] and problems[0].summary == "not valid JSON"
