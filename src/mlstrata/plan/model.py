"""Typed view of `terraform show -json <planfile>`: planned changes, drift (kept apart), outputs."""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

import orjson

from mlstrata.plan.action import Action
from mlstrata.plan.state import holds_resources

JSONValue = Any  # a decoded JSON value (dict, list, str, int, float, bool or None)


class ResourceMode(enum.StrEnum):
    MANAGED = "managed"
    DATA = "data"


_ACTION_VALUE = attrgetter("action.text")
_IMPORTING = attrgetter("importing")
_FIELDS = ("address", "module_address", "type", "name", "mode", "action", "provider_name", "index", "deposed",
           "previous_address", "action_reason", "before", "after", "after_unknown", "before_sensitive",
           "after_sensitive", "replace_paths", "importing")


class ValueKeys:
    """Attribute names to read from a change's values without decoding the others (`ResourceChange.peek`).

    Made once per set of names (a module constant), since each makes its decoder on first use: a struct of
    exactly those fields, so msgspec skips every other attribute of the object instead of building it (on the
    20k-change plan's objects, with review's keys, 0.4x the time of decoding them whole)."""

    __slots__ = ("decode", "names")

    def __init__(self, *names: str) -> None:
        self.names = tuple(dict.fromkeys(names))
        self.decode: Callable[[JSONValue], JSONValue] = self._first_decode

    def _first_decode(self, raw: JSONValue) -> JSONValue:
        # msgspec imported here, as in `ResourceChange._decoded`: only the decoder makes raw values
        import msgspec

        names = self.names
        fields = [(f"f{i}", Any, msgspec.UNSET) for i in range(len(names))]
        struct = msgspec.defstruct("Values", fields, rename={f"f{i}": name for i, name in enumerate(names)})
        decode, to_builtins, raw_class = msgspec.json.Decoder(struct).decode, msgspec.to_builtins, msgspec.Raw

        def decode_raw(value: JSONValue) -> JSONValue:
            """{name: value} for the names present in the raw JSON object (anything else as it is)."""
            # to_builtins leaves out the fields left UNSET (absent) in C: a Python loop over the names cost
            # twice the decode
            return to_builtins(decode(value)) if value.__class__ is raw_class else value

        self.decode = decode_raw
        return decode_raw(raw)


class ResourceChange:
    """One resource instance's planned change (or, in `Plan.resource_drift`, its detected drift).

    `before`/`after` are the object's attribute values; `after_unknown` marks values only known
    after apply; `before_sensitive`/`after_sensitive` mark sensitive values (same shapes).

    Read-only by convention. The decoder hands `before`/`after` over as raw JSON (`msgspec.Raw`, already
    checked to be an object or null) and each is decoded the first time it is read: most of a large plan's
    changes are never looked into, and decoding them all costs more than the review itself
    (benchmarks/review_large_plan.py). A plain slotted class, not a frozen dataclass, for the same reason:
    a frozen dataclass's `__init__` sets every field through `object.__setattr__`.
    """

    __slots__ = ("_after", "_after_peek", "_before", "_before_peek",
                 "action", "action_reason", "address", "after_sensitive", "after_unknown",
                 "before_sensitive", "deposed", "importing", "index", "mode", "module_address", "name",
                 "previous_address", "provider_name", "replace_paths", "type")

    address: str
    module_address: str
    type: str
    name: str
    mode: ResourceMode
    action: Action
    provider_name: str
    index: JSONValue
    deposed: str
    previous_address: str
    action_reason: str
    after_unknown: JSONValue
    before_sensitive: JSONValue
    after_sensitive: JSONValue
    replace_paths: tuple[tuple[JSONValue, ...], ...]
    importing: bool

    def __init__(self, address: str, module_address: str, type: str, name: str, mode: ResourceMode,
                 action: Action, provider_name: str = "", index: JSONValue = None, deposed: str = "",
                 previous_address: str = "", action_reason: str = "", before: JSONValue = None,
                 after: JSONValue = None, after_unknown: JSONValue = None, before_sensitive: JSONValue = None,
                 after_sensitive: JSONValue = None, replace_paths: tuple[tuple[JSONValue, ...], ...] = (),
                 importing: bool = False) -> None:
        self.address = address
        self.module_address = module_address
        self.type = type
        self.name = name
        self.mode = mode
        self.action = action
        self.provider_name = provider_name
        self.index = index
        self.deposed = deposed
        self.previous_address = previous_address
        self.action_reason = action_reason
        self._before = before
        self._after = after
        self._before_peek: tuple[ValueKeys, JSONValue] | None = None
        self._after_peek: tuple[ValueKeys, JSONValue] | None = None
        self.after_unknown = after_unknown
        self.before_sensitive = before_sensitive
        self.after_sensitive = after_sensitive
        self.replace_paths = replace_paths
        self.importing = importing

    # read tens of thousands of times on a large plan: the decoded case without a further call
    before = property(lambda self: self._before if self._before is None or self._before.__class__ is dict
                      else self._decoded("_before"),
                      doc="The object's attribute values before the change (None when it does not exist yet).")
    after = property(lambda self: self._after if self._after is None or self._after.__class__ is dict
                     else self._decoded("_after"),
                     doc="The object's attribute values after the change (None when it is deleted).")

    def _decoded(self, slot: str) -> JSONValue:
        value = getattr(self, slot)
        if value is None or value.__class__ is dict:
            return value
        # only the decoder (plan.decode) makes raw values, so msgspec is loaded by then; importing it here,
        # not at the top, keeps this module free of msgspec (plan/__init__.py) and of a cycle with plan.decode
        import msgspec

        if value.__class__ is msgspec.Raw:
            value = msgspec.json.decode(value)
        setattr(self, slot, value)
        return value

    def peek(self, side: str, keys: ValueKeys) -> JSONValue:
        """The object's values on `side` ("before" or "after") for reading only `keys`: what `before`/`after`
        returns when it is decoded already (or None), else a new dict of just those keys present in the object,
        decoded without the rest (the whole object stays undecoded). For checks that read a few attributes of a
        change nobody else looks into: on the 20k-change plan, most of an object's JSON is tags the review never
        reads. The dict is kept for the next peek with the same keys (read-only, as the values are)."""
        before = side == "before"
        value = self._before if before else self._after
        if value is None or value.__class__ is dict:
            return value
        kept = self._before_peek if before else self._after_peek
        if kept is not None and kept[0] is keys:
            return kept[1]
        found = keys.decode(value)
        if before:
            self._before_peek = (keys, found)
        else:
            self._after_peek = (keys, found)
        return found

    def _values(self) -> tuple[JSONValue, ...]:
        return tuple(getattr(self, name) for name in _FIELDS)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, ResourceChange)
        return self._values() == other._values()

    __hash__ = None  # type: ignore[assignment]  # mutable values (dicts) inside: as the frozen dataclass was

    def __repr__(self) -> str:
        return f"ResourceChange({', '.join(f'{name}={getattr(self, name)!r}' for name in _FIELDS)})"

    @property
    def arm_type(self) -> str:
        """The Azure resource type a generic azapi resource declares (its `type` without `@<api-version>`,
        `Microsoft.MachineLearningServices/registries`), else ""."""
        if not self.type.startswith("azapi_"):
            return ""
        values = self.before if isinstance(self.before, dict) else self.after
        declared = values.get("type") if isinstance(values, dict) else None
        return declared.split("@", 1)[0] if isinstance(declared, str) else ""

    @property
    def actions(self) -> Action:
        """Alias kept for readers who think in Terraform's JSON terms."""
        return self.action

    @property
    def is_replace(self) -> bool:
        return self.action.is_replace

    @property
    def is_destructive(self) -> bool:
        return self.action.is_destructive


@dataclass(frozen=True, slots=True)
class OutputChange:
    """A planned change to one root module output."""

    name: str
    action: Action
    before: JSONValue = None
    after: JSONValue = None
    after_unknown: JSONValue = None
    before_sensitive: JSONValue = None
    after_sensitive: JSONValue = None

    @property
    def sensitive(self) -> bool:
        return bool(self.before_sensitive) or bool(self.after_sensitive)


@dataclass(frozen=True, slots=True)
class ChangeCounts:
    """How many objects a plan adds, changes, destroys, imports and forgets (Terraform's summary)."""

    add: int = 0
    change: int = 0
    destroy: int = 0
    import_: int = 0
    forget: int = 0

    @property
    def total(self) -> int:
        return self.add + self.change + self.destroy + self.import_ + self.forget

    def __add__(self, other: ChangeCounts) -> ChangeCounts:
        return ChangeCounts(
            self.add + other.add,
            self.change + other.change,
            self.destroy + other.destroy,
            self.import_ + other.import_,
            self.forget + other.forget,
        )


@dataclass(frozen=True, slots=True)
class Plan:
    """A decoded plan. `resource_drift` (changes made outside Terraform) is kept apart from
    `resource_changes` (what applying would do)."""

    format_version: str
    terraform_version: str
    resource_changes: tuple[ResourceChange, ...]
    resource_drift: tuple[ResourceChange, ...] = ()
    output_changes: tuple[OutputChange, ...] = ()
    configuration: JSONValue = None
    errored: bool = False
    applyable: bool = False
    complete: bool = True
    timestamp: str = ""
    raw: dict[str, JSONValue] = field(default_factory=dict, repr=False, compare=False)
    # the JSON text of `prior_state`, decoded only when asked (`holds_prior_resources`): empty when absent
    prior_state: memoryview | bytes = field(default=b"", repr=False, compare=False)

    @property
    def changes(self) -> Iterator[ResourceChange]:
        """Resource changes that do something (no no-op, no read)."""
        return (rc for rc in self.resource_changes if rc.action.is_change)

    @property
    def has_changes(self) -> bool:
        """True when applying would change a resource or an output."""
        return any(True for _ in self.changes) or any(oc.action.is_change for oc in self.output_changes)

    @property
    def has_drift(self) -> bool:
        return bool(self.resource_drift)

    def holds_prior_resources(self) -> bool:
        """Whether the state this plan was made against holds any managed resource. False for a refresh-only
        plan of a unit never applied (or destroyed): a drift check of it compared nothing."""
        if not len(self.prior_state):
            return False
        doc = orjson.loads(self.prior_state)
        return isinstance(doc, dict) and holds_resources(doc)

    def counts(self) -> ChangeCounts:
        """Add / change / destroy / import / forget counts, as Terraform's plan summary counts them."""
        # counted in C (a Counter of the actions' values, a filter of the importing flags): a loop over a
        # 20k-change plan's changes took 0.012-0.015 s, this 0.005 s
        n = Counter(map(_ACTION_VALUE, self.resource_changes))
        imports = len(list(filter(None, map(_IMPORTING, self.resource_changes))))
        replaced = n[Action.DELETE_THEN_CREATE.value] + n[Action.CREATE_THEN_DELETE.value]
        both = n[Action.CREATE_THEN_FORGET.value]
        return ChangeCounts(n[Action.CREATE.value] + replaced + both, n[Action.UPDATE.value],
                            n[Action.DELETE.value] + replaced, imports, n[Action.FORGET.value] + both)

    def by_address(self) -> dict[str, ResourceChange]:
        """Resource changes keyed by address (deposed objects keep their own entries apart)."""
        return {rc.address: rc for rc in self.resource_changes if not rc.deposed}
