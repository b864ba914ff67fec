"""Serving GPU capacity in `mlstrata cost`: replicas x GPUs per replica over a node's GPUs, at the pool's
node rate; a class whose maximum needs more nodes than its pool may have is a warning at the key."""

from __future__ import annotations

from pathlib import Path

from mlstrata.cost.estimate import CostReport, platform_cost
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
