"""Action: the one conversion from plan JSON `actions` lists, and its helpers."""

from __future__ import annotations

import pytest

from mlstrata.plan import Action, UnknownActionError, action_from_json

CASES = [
    (["no-op"], Action.NO_OP, False, False),
    (["create"], Action.CREATE, False, False),
    (["read"], Action.READ, False, False),
    (["update"], Action.UPDATE, False, False),
    (["delete"], Action.DELETE, False, True),
    (["delete", "create"], Action.DELETE_THEN_CREATE, True, True),
    (["create", "delete"], Action.CREATE_THEN_DELETE, True, True),
    (["forget"], Action.FORGET, False, False),
    (["create", "forget"], Action.CREATE_THEN_FORGET, False, False),
]


@pytest.mark.parametrize(("actions", "expected", "replace", "destructive"), CASES)
def test_conversion_and_helpers(actions: list[str], expected: Action, replace: bool, destructive: bool) -> None:
    action = action_from_json(actions)
    assert action is expected
    assert action.is_replace is replace
    assert action.is_destructive is destructive
    assert action.is_change is (expected not in (Action.NO_OP, Action.READ))


def test_every_action_has_a_symbol() -> None:
    assert {a.symbol for a in Action} >= {"+", "-", "~", "-/+", "+/-"}
    assert len({a.symbol for a in Action}) == len(Action)


@pytest.mark.parametrize("actions", [[], ["destroy"], ["create", "create"], "create", None, ["update", "delete"]])
def test_unknown_lists_are_rejected(actions: object) -> None:
    with pytest.raises(UnknownActionError, match="unknown plan actions"):
        action_from_json(actions)  # type: ignore[arg-type]


def test_each_action_has_its_value_as_a_plain_attribute() -> None:
    """`text` is the value, kept in the member's own attributes (read without Enum's Python-level property)."""
    for action in Action:
        assert action.text == action.value and "text" in vars(action)
