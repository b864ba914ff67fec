"""`review` prices GPU capacity with the same price book as `cost`: the catalog and the team's overlay
(`.mlstrata/prices.json` beside the spec, written by `mlstrata pricing import`)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from support.cli import mlstrata

from mlstrata.pricing import shipped_price_book

AWS = Path(__file__).resolve().parents[1] / "testdata" / "review" / "aws"
PLAN = Path("live") / "prod" / "ml" / ".mlstrata" / "plan.json"
TEMPLATE = Path(__file__).resolve().parents[2] / "src" / "mlstrata" / "templates" / "platform.aws.yaml"


def _tree(tmp_path: Path) -> Path:
    tree = tmp_path / "aws"
    shutil.copytree(AWS, tree)
    shutil.copy(TEMPLATE, tree / "platform.yaml")
    return tree


def _capacity_summary(tree: Path) -> str:
    result = mlstrata("review", str(tree / PLAN), "--spec", str(tree / "platform.yaml"), "--format", "json",
                      "--fail-on", "never")
    assert result.returncode == 0, result.output
    (finding,) = [f for f in json.loads(result.stdout)["findings"] if f["code"] == "MLR004"]
    return str(finding["summary"])


def test_review_prices_gpu_capacity_with_the_teams_overlay(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    catalog = shipped_price_book().quote("aws", "us-east-1", "g6.2xlarge").on_demand
    assert catalog is not None and catalog.usd_per_hour != 2.5
    # the plan's g6.2xlarge pool goes from max 2 to max 8 nodes in prod (us-east-1): 6 more nodes x 730 h
    assert f"+${6 * catalog.usd_per_hour * 730:,.2f}/month at max" in _capacity_summary(tree)

    prices = tmp_path / "negotiated.csv"
    prices.write_text("cloud,region,instance_type,on_demand_usd_per_hour,source,date\n"
                      "aws,us-east-1,g6.2xlarge,2.5,EDP 2026 contract,2026-10-01\n")
    imported = mlstrata("pricing", "import", str(prices), "--spec", str(tree / "platform.yaml"))
    assert imported.returncode == 0, imported.output
    assert f"+${6 * 2.5 * 730:,.2f}/month at max" in _capacity_summary(tree)


def test_an_unreadable_overlay_beside_the_spec_is_bad_input(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    overlay = tree / ".mlstrata" / "prices.json"
    overlay.parent.mkdir()
    overlay.write_text('{"format": 1, "prices": [{"cloud": "aws"}]}\n')
    result = mlstrata("review", str(tree / PLAN), "--spec", str(tree / "platform.yaml"))
    assert result.returncode == 2, result.output
    # every problem of the row at the overlay's path, with how to fix it, as `cost` reports them
    assert "Traceback" not in result.output
    for missing in ("region", "instance_type", "source", "date"):
        assert f"{overlay}: error: missing `{missing}`" in result.output
    assert "hint: Every row needs region" in result.output
    # without the spec nothing reads the overlay: the catalog prices the plan
    assert mlstrata("review", str(tree / PLAN), "--no-spec", "--fail-on", "never").returncode == 0
