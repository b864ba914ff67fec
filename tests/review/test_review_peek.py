"""Review's checks read a change's values through `ResourceChange.peek` (only the attributes they read are decoded,
plan/model.py): what each peek holds is the full values limited to its keys, every getter and the IAM reading
look at no attribute outside the keys declared for them, and a change only named by a finding keeps its values
undecoded."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
from test_review_check_dispatch import _plans as dispatch_plans

from mlstrata.plan import Action, Plan, decode_plan
from mlstrata.plan.model import ValueKeys
from mlstrata.review.checks import (
    _NAME_KEYS,
    IAM_READS,
    READS,
    SETTINGS,
    VALUE_KEYS,
    _iam_widening,
    iam_watched,
)
from mlstrata.review.gate import ReviewSettings, UnitInput, review_plan


def _plans() -> list[Plan]:
    """Every plan fixture, the benchmark's generated plan and a plan on which every check hits, freshly decoded
    (every object still raw JSON)."""
    plans = dispatch_plans()
    assert len(plans) >= 10
    return plans


def _limited(values: Any, keys: ValueKeys | tuple[str, ...]) -> Any:
    names = keys.names if isinstance(keys, ValueKeys) else keys
    return {k: v for k, v in values.items() if k in names} if isinstance(values, dict) else values


def test_a_peek_is_the_values_limited_to_its_keys() -> None:
    # what the checks read is in the one set they peek with
    assert {*_NAME_KEYS, *IAM_READS, "bucket", *(k for keys in READS.values() for k in keys)} <= set(VALUE_KEYS.names)
    key_sets = [VALUE_KEYS, ValueKeys("tags", "bucket", "tags")]
    peeked = 0
    for plan in _plans():  # freshly decoded: every object still raw JSON
        for rc in plan.resource_changes:
            for side in ("before", "after"):
                raw = getattr(rc, f"_{side}")
                seen = [rc.peek(side, keys) for keys in key_sets]
                assert all(rc.peek(side, keys) is peeked for keys, peeked in zip(key_sets[-1:], seen[-1:], strict=True))
                full = getattr(rc, side)  # decodes it
                assert seen == [_limited(full, keys) for keys in key_sets], (rc.address, side)
                peeked += raw.__class__ is msgspec.Raw
                # decoded: the values themselves
                assert all(rc.peek(side, keys) is full for keys in key_sets)
    assert peeked >= 100
    # a repeated attribute counts as JSON decoders read it (the last), a null as a value, nesting as it is
    keys = ValueKeys("name", "n", "deep", "absent")
    raw = msgspec.Raw(b'{"name": "a", "x": [1, {"name": 2}], "name": "b", "n": null, "deep": {"a": [{"b": 1}]}}')
    assert keys.decode(raw) == {"name": "b", "n": None, "deep": {"a": [{"b": 1}]}}
    assert keys.decode({"name": "decoded"}) == {"name": "decoded"}  # not raw JSON: as it is


def _values(plans: list[Plan]) -> list[tuple[str, dict[str, Any]]]:
    return [(rc.type, values) for plan in plans for rc in plan.resource_changes
            for values in (rc.before, rc.after) if isinstance(values, dict)]


def test_each_protection_getter_reads_only_the_attributes_it_declares() -> None:
    compared = 0
    for rtype, values in _values(_plans()):
        for label, get in SETTINGS.get(rtype, ()):
            limited = {k: v for k, v in values.items() if k in READS[get]}
            assert get(limited) == get(values), (rtype, label)
            compared += get(values) is not None
    assert compared >= 20
    assert all(get in READS for settings in SETTINGS.values() for _, get in settings)


def test_the_iam_reading_reads_only_iam_keys() -> None:
    compared = 0
    for plan in _plans():
        for rc in plan.resource_changes:
            if not iam_watched(rc.type):
                continue
            before, after = rc.before if isinstance(rc.before, dict) else {}, rc.after
            if not isinstance(after, dict):
                continue
            for new_object in (False, True):
                full, labels = _iam_widening(rc, before, after, new_object)
                part, part_labels = _iam_widening(rc, _limited(before, IAM_READS), _limited(after, IAM_READS),
                                                  new_object)
                assert (part.text(), part_labels) == (full.text(), labels), rc.address
                compared += bool(full)
    assert compared >= 5


def test_a_change_only_named_by_a_finding_keeps_its_values_undecoded() -> None:
    """A destroyed KMS key is reported by its name: the rest of its values (tags ...) are never decoded."""
    change = {"address": "aws_kms_key.k", "mode": "managed", "type": "aws_kms_key", "name": "k",
              "change": {"actions": ["delete"], "before": {"description": "models", "policy": "{}",
                                                          "tags": {f"t{i}": "v" for i in range(20)}}, "after": None}}
    plan, problems = decode_plan(json.dumps({"format_version": "1.2", "resource_changes": [change]}))
    assert plan is not None, problems
    review = review_plan(plan, UnitInput(Path("plan.json"), "dev/base", "dev", False, None), ReviewSettings())
    rc = plan.resource_changes[0]
    assert [d.code for d in review.findings] == ["MLR001"] and rc.action is Action.DELETE
    assert rc._before.__class__ is msgspec.Raw  # decoded in full by the old code
