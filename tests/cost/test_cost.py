"""Cost arithmetic on hand-computed cases (test catalog with round prices), policies, unknown types."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlstrata.cost.estimate import HOURS_PER_MONTH, instance_family, platform_cost
from mlstrata.pricing import Overlay, PriceBook, load_catalog, parse_overlay_rows
from mlstrata.spec.load import load_text
from mlstrata.spec.resolve import resolve
from mlstrata.targets.registry import TARGETS

DATA = Path(__file__).resolve().parents[1] / "testdata" / "pricing"

SPEC = """\
platform: acme
target: aws
region: us-east-1
state: {{backend: s3, bucket: acme-tfstate}}
environments:
  dev:
    account: "111111111111"
    gpu_budget_monthly_usd: {budget}
    allowed_gpu_families: [g6]
  prod: {{account: "333333333333"}}
gpu_pools:
  serving:
    instance_types: [g6.xlarge, g6.2xlarge]
    scaling: {{min: 1, max: 3, desired: autoscaler}}
    overrides:
      dev:
        capacity: spot
        scaling: {{min: 0, max: 2}}
  training:
    instance_types: [{training}]
    scaling: {{min: 0, max: 2, desired: 1}}
    overrides:
      dev:
        instance_types: [{dev_training}]
        scaling: {{max: 1, desired: 0}}
cluster: {{admins: ["arn:aws:iam::111111111111:role/admin"]}}
observability: {{grafana: false}}
"""


def report(budget: float = 5000, training: str = "p5.48xlarge", dev_training: str = "g6.2xlarge",
           overlay: Overlay | None = None, region: str = "us-east-1"):  # type: ignore[no-untyped-def]
    text = SPEC.format(budget=budget, training=training, dev_training=dev_training).replace(
        "region: us-east-1", f"region: {region}")
    loaded = load_text(text, targets=TARGETS)
    book = PriceBook(load_catalog(DATA / "catalog_small.json"), overlay)
    return platform_cost(loaded.platform, resolve(loaded.platform, loaded.source.data), book, loaded.source)


def pool(rep, env: str, name: str):  # type: ignore[no-untyped-def]
    (found,) = [p for e in rep.envs if e.name == env for p in e.pools if p.pool == name]
    return found


def test_on_demand_autoscaler_desired_is_min_and_type_range() -> None:
    serving = pool(report(), "prod", "serving")
    # g6.xlarge on-demand $1/h; autoscaler-owned desired is priced at min (1 node)
    assert (serving.min, serving.desired, serving.max) == (1, 1, 3) and serving.desired_from_autoscaler
    assert serving.hourly(serving.desired) == pytest.approx(1.0)
    assert serving.monthly(serving.min) == pytest.approx(730.0)
    assert serving.monthly(serving.max) == pytest.approx(2190.0)
    # at max: 3 x g6.xlarge ($1) = 2190, 3 x g6.2xlarge ($2) = 4380
    assert serving.type_range_monthly_max == pytest.approx((2190.0, 4380.0))
    assert serving.on_demand_per_hour == 1.0 and serving.spot_per_hour == 0.4


def test_explicit_desired_and_scale_to_zero() -> None:
    training = pool(report(), "prod", "training")
    assert training.monthly(training.min) == 0.0  # scale to zero costs nothing, and is priced (not unpriced)
    assert training.priced
    assert training.monthly(training.desired) == pytest.approx(100 * 730)
    assert training.monthly(training.max) == pytest.approx(2 * 100 * 730)


def test_per_env_overrides_and_spot() -> None:
    rep = report()
    serving = pool(rep, "dev", "serving")
    assert serving.capacity == "spot" and serving.rate is not None and serving.rate.basis == "spot"
    assert serving.monthly(serving.max) == pytest.approx(2 * 0.4 * 730)
    training = pool(rep, "dev", "training")
    assert training.instance_types == ("g6.2xlarge",) and training.monthly(training.max) == pytest.approx(2 * 730)
    dev = next(e for e in rep.envs if e.name == "dev")
    assert dev.total_monthly("max") == pytest.approx(584 + 1460)
    assert dev.total_monthly("min") == 0.0
    prod = next(e for e in rep.envs if e.name == "prod")
    assert rep.total_monthly("max") == pytest.approx(dev.total_monthly("max") + prod.total_monthly("max"))
    assert prod.total_monthly("desired") == pytest.approx(730 + 73000)


def test_budget_fails_when_maxima_exceed_it_and_passes_otherwise() -> None:
    assert not report(budget=2044).failed  # exactly at the budget is within it
    rep = report(budget=2000)
    (diag,) = [d for d in rep.diagnostics if d.code == "cost.budget"]
    assert diag.is_error and "$2,044.00/month" in diag.summary and "$2,000.00" in diag.summary
    assert diag.path == "environments.dev.gpu_budget_monthly_usd" and diag.where is not None and diag.where.line == 8


def test_family_policy_points_at_the_pool_that_breaks_it() -> None:
    rep = report(dev_training="p5.48xlarge", budget=1e9)
    (diag,) = [d for d in rep.diagnostics if d.code == "cost.family"]
    assert diag.is_error and "p5.48xlarge (family p5) is not allowed in environment `dev`" in diag.summary
    assert diag.path == "gpu_pools.training.overrides.dev.instance_types"


def test_unknown_type_is_unpriced_never_zero_and_names_closest_types() -> None:
    rep = report(training="g6.4xlarge", budget=1e9)  # exists, but not in the small catalog
    training = pool(rep, "prod", "training")
    assert not training.priced and training.monthly(training.max) is None
    assert training.to_dict()["monthly"] == {"min": None, "desired": None, "max": None}
    (diag,) = [d for d in rep.diagnostics if d.code == "cost.unpriced"]
    assert not diag.is_error and "g6.4xlarge" in diag.summary and "g6.xlarge" in diag.hint
    prod = next(e for e in rep.envs if e.name == "prod")
    assert prod.unpriced == ["training"] and prod.to_dict()["complete"] is False


def test_unknown_region_names_the_regions_with_a_price() -> None:
    rep = report(region="eu-west-1", budget=1e9)
    diags = [d for d in rep.diagnostics if d.code == "cost.unpriced" and "p5.48xlarge" in d.summary]
    assert diags and "Priced in: us-east-1" in diags[0].hint
    assert pool(rep, "prod", "serving").monthly(1) == pytest.approx(1.5 * 730)


def test_spot_pool_without_a_spot_price_is_unpriced() -> None:
    rep = report(dev_training="p5.48xlarge", budget=1e9)
    assert pool(rep, "dev", "training").priced  # on-demand p5 has a price
    text = SPEC.format(budget=1e9, training="p5.48xlarge", dev_training="g6.2xlarge").replace(
        "  training:\n    instance_types", "  training:\n    capacity: spot\n    instance_types")
    loaded = load_text(text, targets=TARGETS)
    book = PriceBook(load_catalog(DATA / "catalog_small.json"))
    rep = platform_cost(loaded.platform, resolve(loaded.platform, loaded.source.data), book, loaded.source)
    training = pool(rep, "prod", "training")
    assert not training.priced
    assert any("no spot price for p5.48xlarge" in d.summary for d in rep.diagnostics)


def test_capacity_block_uses_overlay_price_else_on_demand_labelled() -> None:
    text = SPEC.format(budget=1e9, training="p5.48xlarge", dev_training="g6.2xlarge").replace(
        "  training:\n    instance_types",
        "  training:\n    capacity: capacity_block\n    capacity_reservation_id: cr-0123456789abcdef0\n"
        "    instance_types")
    loaded = load_text(text, targets=TARGETS)
    envs = resolve(loaded.platform, loaded.source.data)
    catalog = load_catalog(DATA / "catalog_small.json")
    plain = platform_cost(loaded.platform, envs, PriceBook(catalog), loaded.source)
    training = pool(plain, "prod", "training")
    assert training.rate is not None and training.rate.basis == "capacity block priced at the on-demand rate"
    assert training.monthly(1) == pytest.approx(100 * HOURS_PER_MONTH)
    rows, _ = parse_overlay_rows((DATA / "overlay_ok.csv").read_text(), "overlay_ok.csv")
    negotiated = platform_cost(loaded.platform, envs, PriceBook(catalog, Overlay(None, {r.key: r for r in rows})),
                               loaded.source)
    training = pool(negotiated, "prod", "training")
    assert training.rate is not None and training.rate.basis == "capacity block (negotiated price)"
    assert training.monthly(1) == pytest.approx(60 * HOURS_PER_MONTH)
    assert training.rate.price.source == "EDP 2026 contract"


def test_only_env_and_json_shape_is_deterministic() -> None:
    loaded = load_text(SPEC.format(budget=5000, training="p5.48xlarge", dev_training="g6.2xlarge"), targets=TARGETS)
    envs = resolve(loaded.platform, loaded.source.data)
    book = PriceBook(load_catalog(DATA / "catalog_small.json"))
    only = platform_cost(loaded.platform, envs, book, loaded.source, only_env="prod")
    assert [e.name for e in only.envs] == ["prod"]
    assert only.to_dict() == platform_cost(loaded.platform, envs, book, loaded.source, only_env="prod").to_dict()


@pytest.mark.parametrize(("cloud", "itype", "family"), [
    ("aws", "p5.48xlarge", "p5"), ("aws", "g6e.xlarge", "g6e"), ("gcp", "a3-highgpu-8g", "a3"),
    ("azure", "Standard_NC40ads_H100_v5", "NCads_H100_v5"),
])
def test_instance_family(cloud: str, itype: str, family: str) -> None:
    assert instance_family(cloud, itype) == family


def test_an_80_column_terminal_shows_every_amount_whole() -> None:
    """Issue 18: at 80 columns the table cut amounts to `$1,4…`; amounts now keep their width and names fold."""
    import io

    from rich.console import Console

    from mlstrata.cost.money import money
    from mlstrata.views.cost import show_human

    rep = report()
    out = io.StringIO()
    show_human(rep, None, Console(file=out, width=80, no_color=True))
    text = out.getvalue()
    assert "…" not in text and max(len(line) for line in text.splitlines()) <= 80
    for env in rep.envs:
        for level in ("min", "desired", "max"):
            assert money(env.total_monthly(level)) in text
    assert money(rep.total_monthly("max")) in text
