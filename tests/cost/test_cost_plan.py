"""Plan delta: the before -> after monthly change of every GPU pool a plan touches."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlstrata.cost.estimate import plan_delta
from mlstrata.plan import load_plan
from mlstrata.pricing import PriceBook, load_catalog

DATA = Path(__file__).resolve().parents[1] / "testdata" / "pricing"


def book() -> PriceBook:
    return PriceBook(load_catalog(DATA / "catalog_small.json"))


def test_checked_in_aws_plan_delta() -> None:
    plan, errors = load_plan(DATA / "plan_aws.json")
    assert plan is not None and errors == []
    rows = [(rc.address, rc.type, rc.action.value, rc.before, rc.after) for rc in plan.changes]
    changes, diags = plan_delta(rows, book(), "aws", "us-east-1")
    by_name = {c.address.split('"')[1] if '"' in c.address else c.address: c for c in changes}
    # the system (CPU) node group and the no-op GPU pool are not listed
    assert sorted(by_name) == ["batch", "mystery", "serving", "training"]
    # serving: g6.xlarge on-demand $1/h, desired 1 -> 2, max 2 -> 4
    assert by_name["serving"].monthly("desired") == pytest.approx((730, 1460, 730))
    assert by_name["serving"].monthly("max") == pytest.approx((1460, 2920, 1460))
    # training: created p5.48xlarge ($100/h) scaled to zero: nothing now, 146,000/month at max
    assert by_name["training"].monthly("desired") == pytest.approx((0, 0, 0))
    assert by_name["training"].monthly("max") == pytest.approx((0, 146000, 146000))
    # batch: deleted spot g6.2xlarge ($0.5/h spot), 3 desired, 5 max
    assert by_name["batch"].monthly("desired") == pytest.approx((1095, 0, -1095))
    assert by_name["batch"].before_rate is not None and by_name["batch"].before_rate.basis == "spot"
    # mystery: an unknown type is unpriced, not free
    assert by_name["mystery"].monthly("desired") == (0.0, None, None)
    (diag,) = diags
    assert "g6.3xlarge" in diag.summary and "g6.xlarge" in diag.hint and diag.path.endswith('["mystery"]')
    assert by_name["mystery"].to_dict()["monthly_desired"] == {"before": 0.0, "after": None, "change": None}


def test_local_target_gpu_pool_resource() -> None:
    before = {"name": "train", "min": 0, "max": 2, "desired": 0, "instance_types": ["g6.2xlarge"],
              "capacity": "ON_DEMAND"}
    after = {**before, "max": 4, "desired": 1, "capacity": "SPOT"}
    (change,), diags = plan_delta([("mlstrata_gpu_pool.train", "mlstrata_gpu_pool", "update", before, after)],
                                  book(), "aws", "us-east-1")
    assert diags == []
    # before: 0 desired on-demand ($2/h); after: 1 desired on spot ($0.5/h)
    assert change.monthly("desired") == pytest.approx((0, 365, 365))
    assert change.monthly("max") == pytest.approx((2 * 2 * 730, 4 * 0.5 * 730, 4 * 0.5 * 730 - 2 * 2 * 730))


def test_unknown_values_after_apply_leave_the_side_unread() -> None:
    after = {"instance_types": ["g6.xlarge"], "capacity_type": "ON_DEMAND", "scaling_config": None}
    changes, _ = plan_delta([("aws_eks_node_group.x", "aws_eks_node_group", "create", None, after)],
                            book(), "aws", "us-east-1")
    assert changes == []


@pytest.mark.parametrize("size", [10**400, -3, float("inf"), float("nan"), True])
def test_a_node_count_that_is_no_count_is_unknown(size: object) -> None:
    # found by the plan fuzzer: a 400-digit desired_size raised OverflowError in the monthly price
    before = {"name": "train", "min": 0, "max": 2, "desired": size, "instance_types": ["g6.2xlarge"],
              "capacity": "ON_DEMAND"}
    after = {**before, "desired": 1}
    changes, _ = plan_delta([("mlstrata_gpu_pool.train", "mlstrata_gpu_pool", "update", before, after)],
                            book(), "aws", "us-east-1")
    for change in changes:
        change.monthly("desired")
        change.monthly("max")
    # an unknown desired count reads as the pool's minimum, as when the autoscaler owns it
    (change,) = changes
    assert change.before is not None and change.before.desired == 0
