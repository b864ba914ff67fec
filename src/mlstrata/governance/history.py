"""The journal read back: one run per unit change (its `started` entry joined with its end), newest first,
and since when each unit's state is what it is."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlstrata.diagnostics import Diagnostic, has_errors
from mlstrata.governance.journal import FALLBACK_CODE
from mlstrata.spec.models import Platform
from mlstrata.targets.registry import TARGETS

LAYERS = ("base", "platform")


@dataclass(frozen=True)
class Run:
    """One apply, destroy or rollback of one unit."""

    run: str
    unit: str
    started_at: str
    status: str  # ok | failed | interrupted | running
    start: Mapping[str, Any]
    end: Mapping[str, Any] | None = None

    @property
    def ended_at(self) -> str | None:
        return str(self.end["at"]) if self.end else None

    @property
    def operation(self) -> str:
        op = str(self.start.get("operation", "apply"))
        return f"rollback to {self.start['rollback_to']}" if self.start.get("rollback_to") else op

    @property
    def actor(self) -> str:
        who = self.start.get("who") or {}
        parts = [str(who.get("os_user") or "?")]
        if who.get("git_author"):
            parts.append(str(who["git_author"]))
        if who.get("ci_actor"):
            parts.append(f"{who.get('ci')}: {who['ci_actor']}")
        return " / ".join(parts)

    @property
    def revision(self) -> str:
        spec = self.start.get("spec") or {}
        rev = spec.get("revision")
        if not rev:
            return "(not in git)"
        return str(rev)[:12] + (" (dirty)" if spec.get("dirty") else "")

    def to_dict(self) -> dict[str, Any]:
        end = self.end or {}
        return {"run": self.run, "unit": self.unit, "status": self.status, "operation": self.operation,
                "started_at": self.started_at, "ended_at": self.ended_at, "who": self.start.get("who"),
                "command": self.start.get("command"), "spec": self.start.get("spec"),
                "plan_sha256": self.start.get("plan_sha256"), "review": self.start.get("review"),
                "rollback_to": self.start.get("rollback_to"), "counts": end.get("counts"),
                "terraform_version": end.get("terraform_version"), "errors": end.get("errors", [])}


@dataclass(frozen=True)
class Current:
    """Since when a unit's state is what it is: its newest successful run, and anything after it."""

    unit: str
    since: Run | None
    later_problem: Run | None = None  # a failed or interrupted run after it: the state may be partly changed
    unreadable: bool = False  # its journal could not be read: nothing is known, not "never applied"

    def to_dict(self) -> dict[str, Any]:
        return {"unit": self.unit, "unreadable": self.unreadable,
                "since": self.since.ended_at if self.since else None,
                "run": self.since.run if self.since else None,
                "by": self.since.actor if self.since else None,
                "operation": self.since.operation if self.since else None,
                "revision": self.since.revision if self.since else None,
                "later_problem": self.later_problem.to_dict() if self.later_problem else None}


@dataclass
class History:
    runs: list[Run] = field(default_factory=list)  # newest first
    current: list[Current] = field(default_factory=list)
    locations: dict[str, str] = field(default_factory=dict)
    problems: list[Diagnostic] = field(default_factory=list)


def _alive_here(start: Mapping[str, Any]) -> bool:
    who = start.get("who") or {}
    if who.get("host") != socket.gethostname() or not isinstance(who.get("pid"), int):
        return False
    try:
        os.kill(int(who["pid"]), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def join_runs(unit: str, entries: Iterable[Mapping[str, Any]]) -> list[Run]:
    """Pair `started` entries with their end by run id; a start without an end is interrupted (its
    process is gone) or running (its process is alive on this host)."""
    starts: dict[str, Mapping[str, Any]] = {}
    ends: dict[str, Mapping[str, Any]] = {}
    for entry in entries:
        run = str(entry.get("run", ""))
        if entry.get("phase") == "started":
            starts[run] = entry
        elif entry.get("phase") in ("finished", "failed"):
            ends[run] = entry
    out = []
    for run, start in starts.items():
        end = ends.get(run)
        if end is None:
            status = "running" if _alive_here(start) else "interrupted"
        else:
            status = "ok" if end.get("phase") == "finished" else "failed"
        out.append(Run(run, unit, str(start.get("at", "")), status, start, end))
    return out


def read_history(platform: Platform, repo: Path, envs: Sequence[str] | None, layers: Sequence[str] | None,
                 env_vars: Mapping[str, str]) -> History:
    """The journal of every selected unit, runs newest first."""
    history = History()
    for env in platform.environments:
        if envs and env not in envs:
            continue
        for layer in LAYERS:
            if layers and layer not in layers:
                continue
            unit = f"{env}/{layer}"
            store, problems = TARGETS[platform.target].journal(platform, repo, env, layer, env_vars)
            history.problems += [p for p in problems if p.code != FALLBACK_CODE]
            if store is None:
                continue
            history.locations[unit] = store.location
            entries, read_problems = store.read()
            history.problems += read_problems
            runs = sorted(join_runs(unit, entries), key=lambda r: r.started_at)
            history.runs += runs
            done = [r for r in runs if r.status == "ok"]
            last_ok = done[-1] if done else None
            later = [r for r in runs if r.status in ("failed", "interrupted")
                     and (last_ok is None or r.started_at > last_ok.started_at)]
            history.current.append(Current(unit, last_ok, later[-1] if later else None,
                                           unreadable=has_errors(read_problems)))
    history.runs.sort(key=lambda r: (r.started_at, r.unit), reverse=True)
    return history
