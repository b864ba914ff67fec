"""Typed view of `terraform show -json <planfile>`: planned changes, drift (kept apart), outputs."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from mlstrata.plan.action import Action

JSONValue = Any  # a decoded JSON value (dict, list, str, int, float, bool or None)


class ResourceMode(enum.StrEnum):
    MANAGED = "managed"
    DATA = "data"


@dataclass(frozen=True, slots=True)
class ResourceChange:
    """One resource instance's planned change (or, in `Plan.resource_drift`, its detected drift).

    `before`/`after` are the object's attribute values; `after_unknown` marks values only known
    after apply; `before_sensitive`/`after_sensitive` mark sensitive values (same shapes).
    """

    address: str
    module_address: str
    type: str
    name: str
    mode: ResourceMode
    action: Action
    provider_name: str = ""
    index: JSONValue = None
    deposed: str = ""
    previous_address: str = ""
    action_reason: str = ""
    before: JSONValue = None
    after: JSONValue = None
    after_unknown: JSONValue = None
    before_sensitive: JSONValue = None
    after_sensitive: JSONValue = None
    replace_paths: tuple[tuple[JSONValue, ...], ...] = ()
    importing: bool = False

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

    def counts(self) -> ChangeCounts:
        """Add / change / destroy / import / forget counts, as Terraform's plan summary counts them."""
        add = change = destroy = imports = forget = 0
        for rc in self.resource_changes:
            if rc.importing:
                imports += 1
            act = rc.action
            if act is Action.CREATE:
                add += 1
            elif act is Action.UPDATE:
                change += 1
            elif act is Action.DELETE:
                destroy += 1
            elif act.is_replace:
                add += 1
                destroy += 1
            elif act is Action.FORGET:
                forget += 1
            elif act is Action.CREATE_THEN_FORGET:
                add += 1
                forget += 1
        return ChangeCounts(add, change, destroy, imports, forget)

    def by_address(self) -> dict[str, ResourceChange]:
        """Resource changes keyed by address (deposed objects keep their own entries apart)."""
        return {rc.address: rc for rc in self.resource_changes if not rc.deposed}
