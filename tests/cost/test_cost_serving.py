"""Serving GPU capacity in `mlstrata cost`: replicas x GPUs per replica over a node's GPUs, at the pool's
node rate; a class whose maximum needs more nodes than its pool may have is a warning at the key."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from mlstrata.cost.estimate import CostReport, platform_cost
from mlstrata.pricing.overlay import Overlay, parse_overlay_rows
from mlstrata.pricing.resolve import load_price_book
from mlstrata.spec.load import load_text
from mlstrata.spec.resolve import resolve
from mlstrata.targets.registry import TARGETS

REPO = Path(__file__).resolve().parents[2]
AWS_EXAMPLE = REPO / "examples" / "aws" / "platform.yaml"


def _report(text: str) -> CostReport:
    loaded = load_text(text, targets=TARGETS)
    book, problems = load_price_book(AWS_EXAMPLE)
    assert book is not None and not problems
    return platform_cost(loaded.platform, resolve(loaded.platform, loaded.source.data), book, loaded.source)


def test_serving_share_is_replicas_over_node_gpus_at_the_pool_rate() -> None:
    report = _report(AWS_EXAMPLE.read_text())
    envs = {e.name: e for e in report.envs}
    prod = envs["prod"]
    (share,) = prod.serving
    pool = next(p for p in prod.pools if p.pool == "serving")
    assert (share.pool, share.instance_type, share.gpus_per_replica) == ("serving", "g6e.xlarge", 1)
    assert share.gpus_per_node == 1  # g6e.xlarge: one L40S (catalog hardware facts)
    assert (share.min_replicas, share.max_replicas) == (1, 4)
    assert share.monthly(4) == pool.monthly(4)  # 4 replicas of 1 GPU = 4 single-GPU nodes
    assert envs["dev"].serving[0].monthly(0) == 0.0
    # a share of the pools, not added to them
    assert prod.total_monthly("max") == sum(p.monthly(p.max) or 0.0 for p in prod.pools)
    assert prod.to_dict()["serving"][0]["nodes"] == {"min": 1, "max": 4}  # type: ignore[index]
    assert not [d for d in report.diagnostics if d.code == "cost.serving_capacity"]


def test_a_class_larger_than_its_pool_is_warned_at_its_key() -> None:
    text = AWS_EXAMPLE.read_text().replace("max_replicas: 4,", "max_replicas: 9,")
    assert text != AWS_EXAMPLE.read_text()
    report = _report(text)
    found = [d for d in report.diagnostics if d.code == "cost.serving_capacity"]
    assert {d.summary.split("`")[3] for d in found} == {"prod", "staging"}  # the pool stops at 6 nodes
    assert all(d.path == "serving.endpoints.fraud-api.autoscaling.max_replicas" for d in found)
    assert all(d.where is not None and d.where.line > 1 for d in found)


def test_sagemaker_classes_are_said_to_be_unpriced_not_silently_zero() -> None:
    """The price catalog has EC2 GPU prices, not SageMaker hosting prices (ml.* instances are billed separately):
    each SageMaker class is a warning at its key in every environment it is deployed in, never a zero share."""
    spec = (REPO / "tests" / "testdata" / "render" / "aws-multi-region" / "spec.yaml").read_text()
    report = _report(spec)
    said = [d for d in report.diagnostics if d.code == "cost.sagemaker_unpriced"]
    assert len(said) == 4 * 3  # four classes (one serverless), three environments
    assert {d.path for d in said} == {f"serving.endpoints.ranker-{c}" for c in ("api", "cpu", "batch", "lite")}
    assert all(d.where is not None and spec.splitlines()[d.where.line - 1].strip() == "model: ranker" for d in said)
    assert all(not env.serving for env in report.envs)
    # listed as SageMaker endpoints with no price, never as $0, and apart from the pool totals
    dev = next(e for e in report.envs if e.name == "dev").to_dict()
    assert dev["sagemaker_unpriced"] == ["ranker-api", "ranker-batch", "ranker-cpu", "ranker-lite"]
    assert all(c["monthly"] == {"min": None, "max": None} and c["price"] is None
               for c in dev["sagemaker"])  # type: ignore[attr-defined]
    lite = next(d for d in said if d.path == "serving.endpoints.ranker-lite")
    assert "billed per inference duration" in lite.summary


def test_sagemaker_hosting_is_priced_from_a_sourced_row() -> None:
    """A SageMaker class is priced at min and max instances x the on-demand price of its ml.* type in its region
    x 730 h, the price carrying its source, once such a row exists (the team's overlay: `mlstrata pricing import`).
    Billed on top of the GPU pools, so the pool totals do not change."""
    spec = (REPO / "tests" / "testdata" / "render" / "aws-multi-region" / "spec.yaml").read_text()
    loaded = load_text(spec, targets=TARGETS)
    book, problems = load_price_book(AWS_EXAMPLE)
    assert book is not None and not problems
    rows, bad = parse_overlay_rows("region,instance_type,on_demand_usd_per_hour,source,date\n"
                                   "us-east-1,ml.g6e.xlarge,2.5,AWS Price List 2026-11,2026-11-30\n", "prices.csv")
    assert not bad
    priced = replace(book, overlay=Overlay(None, {r.key: r for r in rows}))
    envs = resolve(loaded.platform, loaded.source.data)
    before = platform_cost(loaded.platform, envs, book, loaded.source)
    after = platform_cost(loaded.platform, envs, priced, loaded.source)
    prod = next(e for e in after.envs if e.name == "production")  # us-east-1
    api = next(c for c in prod.sagemaker if c.endpoint == "ranker-api")
    assert (api.monthly(api.min_instances), api.monthly(api.max_instances)) == (1 * 2.5 * 730, 4 * 2.5 * 730)
    assert api.rate is not None and api.rate.price.source == "AWS Price List 2026-11"
    assert prod.sagemaker_monthly("max") == 4 * 2.5 * 730  # the other classes stay unpriced, not zero
    assert prod.to_dict()["sagemaker_unpriced"] == ["ranker-batch", "ranker-cpu", "ranker-lite"]
    # the dev class (us-west-2, min 0) has no row there: still said to be unpriced
    said = {(d.path, d.summary.split("`")[3]) for d in after.diagnostics if d.code == "cost.sagemaker_unpriced"}
    assert ("serving.endpoints.ranker-api", "production") not in said
    assert ("serving.endpoints.ranker-api", "dev") in said
    assert [e.total_monthly("max") for e in after.envs] == [e.total_monthly("max") for e in before.envs]
