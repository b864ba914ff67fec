"""State JSON (`terraform show -json`): one walk of the module tree for drift, parity and the apply gate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlstrata.plan import decode_plan
from mlstrata.plan.state import holds_resources, resources, root_module

PLANS = Path(__file__).resolve().parents[1] / "testdata" / "engine" / "plans"
# written by real Terraform 1.11.4 and 1.15.5 (see generate.py there)


def _state(root: dict[str, object]) -> dict[str, object]:
    return {"format_version": "1.0", "terraform_version": "1.11.4", "values": {"root_module": root}}


NESTED = {
    "resources": [{"address": "data.terraform_remote_state.base", "mode": "data", "type": "terraform_remote_state"}],
    "child_modules": [
        {"address": "module.a", "resources": [{"address": "module.a.x.one", "mode": "managed", "type": "x"}],
         "child_modules": [{"address": "module.a.module.b",
                            "resources": [{"address": "module.a.module.b.x.two", "mode": "managed", "type": "x"}]}]},
        {"address": "module.c", "resources": [{"address": "module.c.x.three", "mode": "managed", "type": "x"}]},
    ],
}


def test_resources_walks_every_module_in_terraforms_order() -> None:
    # root first, then each child module before its next sibling (the order `parity` writes its keys in)
    assert [r["address"] for r in resources(_state(NESTED))] == [
        "data.terraform_remote_state.base", "module.a.x.one", "module.a.module.b.x.two", "module.c.x.three"]


def test_a_plans_prior_state_is_read_where_a_state_reads_values() -> None:
    plan = {"format_version": "1.2", "planned_values": {}, "prior_state": _state(NESTED)}
    assert root_module(plan) is NESTED
    assert [r["address"] for r in resources(plan)] == [r["address"] for r in resources(_state(NESTED))]
    # a plan without prior_state has no state to walk, even though it has other top-level keys
    assert root_module({"format_version": "1.2", "planned_values": {"root_module": NESTED}}) == {}


@pytest.mark.parametrize(("root", "held"), [
    ({}, False),  # never applied, or destroyed
    ({"resources": [{"address": "data.x.y", "mode": "data", "type": "x"}]}, False),  # a data source is no object
    ({"child_modules": [{"resources": [{"address": "module.m.x.y", "mode": "managed"}]}]}, True),
    ({"child_modules": [{"child_modules": [{"resources": [{"mode": "managed"}]}]}]}, True),
])
def test_holds_resources(root: dict[str, object], held: bool) -> None:
    assert holds_resources(_state(root)) is held
    assert holds_resources({"format_version": "1.2", "prior_state": _state(root)}) is held


@pytest.mark.parametrize("version", sorted(p.name for p in PLANS.iterdir() if p.is_dir()))
def test_a_decoded_plan_knows_whether_its_prior_state_holds_anything(version: str) -> None:
    # drift reads this from the plan it has already decoded: the file is not read and decoded a second time
    real = PLANS / version
    # real Terraform: a plan made from no state at all (create.json) has no `prior_state`
    create = json.loads((real / "create.json").read_text())
    assert "prior_state" not in create
    plan, problems = decode_plan((real / "create.json").read_bytes(), "create.json")
    assert plan is not None and not problems and not plan.holds_prior_resources()
    # ... while the state those plans were applied into, and every later plan's prior state, hold its objects
    assert holds_resources(json.loads((real / "state.json").read_text()))
    for name in ("noop", "changes", "refresh"):
        doc = json.loads((real / f"{name}.json").read_text())
        plan, problems = decode_plan((real / f"{name}.json").read_bytes(), name)
        assert plan is not None and not problems and plan.holds_prior_resources(), name
        for empty in ({}, {"values": {"root_module": {}}}, {"values": None}):  # destroyed: nothing left
            doc["prior_state"] = {"format_version": "1.0", **empty}
            plan, problems = decode_plan(json.dumps(doc).encode(), name)
            assert plan is not None and not problems and not plan.holds_prior_resources(), (name, empty)
