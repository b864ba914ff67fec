"""Allowed drift (the spec's `drift.allow`) as plain records: what `drift` needs from the spec, kept in the render
stamp so that a drift check of a current tree does not load the spec (YAML, pydantic models, checks)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol


class Allowance(Protocol):
    """One `drift.allow` entry (the spec's model, or an `AllowedDrift` read back from the stamp)."""

    @property
    def resource(self) -> str: ...

    @property
    def attributes(self) -> Sequence[str]: ...

    @property
    def envs(self) -> Sequence[str] | None: ...

    @property
    def reason(self) -> str: ...


@dataclass(frozen=True)
class AllowedDrift:
    """A `drift.allow` entry: globs on the resource address and the changed attribute paths (none: any), the
    environments it applies to (None: all), and why the drift is acceptable."""

    resource: str
    attributes: tuple[str, ...]
    envs: tuple[str, ...] | None
    reason: str

    @classmethod
    def of(cls, entry: Allowance) -> AllowedDrift:
        return cls(entry.resource, tuple(entry.attributes), None if entry.envs is None else tuple(entry.envs),
                   entry.reason)

    def to_dict(self) -> dict[str, object]:
        return {"resource": self.resource, "attributes": list(self.attributes),
                "envs": None if self.envs is None else list(self.envs), "reason": self.reason}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> AllowedDrift:
        attributes, envs = data["attributes"], data["envs"]
        if not isinstance(attributes, list) or not (envs is None or isinstance(envs, list)):
            raise ValueError("drift allowance")
        return cls(str(data["resource"]), tuple(str(a) for a in attributes),
                   None if envs is None else tuple(str(e) for e in envs), str(data["reason"]))
