"""The planned action on one object, converted from Terraform's JSON `actions` list in one place."""

from __future__ import annotations

import enum
from collections.abc import Sequence


class Action(enum.Enum):
    """What Terraform will do to one resource instance or output.

    Replacement comes in two orders: `["delete", "create"]` (the default) and
    `["create", "delete"]` (`create_before_destroy`). `forget` (a `removed` block with
    `destroy = false`) drops an object from state without destroying it.
    """

    NO_OP = "no-op"
    CREATE = "create"
    READ = "read"
    UPDATE = "update"
    DELETE = "delete"
    DELETE_THEN_CREATE = "delete-then-create"
    CREATE_THEN_DELETE = "create-then-delete"
    FORGET = "forget"
    CREATE_THEN_FORGET = "create-then-forget"

    # what each action is, set once per member below: these are read for every change of a large plan
    is_replace: bool  # True for both replacement orders
    is_destructive: bool  # True when an existing object is destroyed (delete or any replacement)
    is_change: bool  # True when applying the plan would do something to this object (not no-op or read)
    symbol: str  # the one-character marker Terraform's own plan output uses
    text: str  # the value, as a plain attribute: `Enum.value` is a Python-level property, read ~40k times on a
    # large plan's review (dict keys, findings, counts)


# Terraform's `actions` lists (as tuples) and what each is: `action_from_json` reads them, and so does the plan
# decoder's loop directly, falling back to `action_from_json` for anything not here
ACTIONS_BY_JSON: dict[tuple[str, ...], Action] = {
    ("no-op",): Action.NO_OP,
    ("create",): Action.CREATE,
    ("read",): Action.READ,
    ("update",): Action.UPDATE,
    ("delete",): Action.DELETE,
    ("delete", "create"): Action.DELETE_THEN_CREATE,
    ("create", "delete"): Action.CREATE_THEN_DELETE,
    ("forget",): Action.FORGET,
    ("create", "forget"): Action.CREATE_THEN_FORGET,
}

_SYMBOLS: dict[Action, str] = {
    Action.NO_OP: " ",
    Action.CREATE: "+",
    Action.READ: "<=",
    Action.UPDATE: "~",
    Action.DELETE: "-",
    Action.DELETE_THEN_CREATE: "-/+",
    Action.CREATE_THEN_DELETE: "+/-",
    Action.FORGET: ".",
    Action.CREATE_THEN_FORGET: "+/.",
}


class UnknownActionError(ValueError):
    """A JSON `actions` list that this version of mlstrata does not know."""


def action_from_json(actions: Sequence[str]) -> Action:
    """Convert a plan JSON `actions` list (e.g. `["delete", "create"]`) to an `Action`."""
    key = tuple(actions) if isinstance(actions, (list, tuple)) else None
    found = ACTIONS_BY_JSON.get(key) if key is not None else None
    if found is None:
        raise UnknownActionError(f"unknown plan actions {actions!r}")
    return found


for _action in Action:
    _action.is_replace = _action in (Action.DELETE_THEN_CREATE, Action.CREATE_THEN_DELETE)
    _action.is_destructive = _action in (Action.DELETE, Action.DELETE_THEN_CREATE, Action.CREATE_THEN_DELETE)
    _action.is_change = _action not in (Action.NO_OP, Action.READ)
    _action.symbol = _SYMBOLS[_action]
    _action.text = _action.value
