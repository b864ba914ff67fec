"""Decode `terraform show -json <planfile>` output into a typed `Plan`, fast and strictly.

Decoding uses orjson with the garbage collector paused: a large plan allocates millions of
containers and the collector's passes over them cost more than the parsing itself.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson

from mlstrata.diagnostics import Diagnostic, Where, error
from mlstrata.plan.action import UnknownActionError, action_from_json
from mlstrata.plan.model import OutputChange, Plan, ResourceChange, ResourceMode

SUPPORTED_MAJOR = "1"

_MODES = {"managed": ResourceMode.MANAGED, "data": ResourceMode.DATA}


class PlanFormatError(ValueError):
    """The JSON is not a plan this version of mlstrata can read."""


@contextmanager
def _gc_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def decode_plan(data: bytes | str, source: str = "<plan>") -> tuple[Plan | None, list[Diagnostic]]:
    """Decode plan JSON; return the plan, or None and diagnostics saying why it cannot be read."""
    with _gc_paused():
        try:
            doc = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            return None, [
                error(
                    "not valid JSON",
                    detail=str(exc),
                    where=Where(source),
                    code="plan.invalid_json",
                    hint="pass the output of `terraform show -json <planfile>`",
                )
            ]
        try:
            return plan_from_dict(doc), []
        except PlanFormatError as exc:
            return None, [
                error(
                    str(exc),
                    where=Where(source),
                    code="plan.unsupported",
                    hint="pass the output of `terraform show -json <planfile>` from Terraform 1.x",
                )
            ]


def load_plan(path: Path) -> tuple[Plan | None, list[Diagnostic]]:
    """Read and decode a plan JSON file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [error("cannot read plan JSON", detail=str(exc), where=Where(str(path)), code="plan.io")]
    return decode_plan(data, str(path))


def plan_from_dict(doc: Any) -> Plan:
    """Build a `Plan` from already-decoded JSON; raise PlanFormatError when it is not a readable plan."""
    if not isinstance(doc, dict):
        kind = type(doc).__name__
        raise PlanFormatError(f"not a Terraform plan: the JSON document is a {kind}, not an object")
    version = doc.get("format_version")
    if not isinstance(version, str):
        raise PlanFormatError("not a Terraform plan: no format_version")
    if version.split(".", 1)[0] != SUPPORTED_MAJOR:
        raise PlanFormatError(f"unsupported plan format_version {version!r} (this mlstrata reads {SUPPORTED_MAJOR}.x)")
    if "planned_values" not in doc and "resource_changes" not in doc:
        if "values" in doc:
            raise PlanFormatError("this is Terraform state JSON, not a plan")
        raise PlanFormatError("not a Terraform plan: no planned_values or resource_changes")
    return Plan(
        format_version=version,
        terraform_version=str(doc.get("terraform_version", "")),
        resource_changes=tuple(_resource_changes(doc.get("resource_changes"), "resource_changes")),
        resource_drift=tuple(_resource_changes(doc.get("resource_drift"), "resource_drift")),
        output_changes=tuple(_output_changes(doc.get("output_changes"))),
        configuration=doc.get("configuration"),
        errored=bool(doc.get("errored", False)),
        applyable=bool(doc.get("applyable", False)),
        complete=bool(doc.get("complete", True)),
        timestamp=str(doc.get("timestamp", "")),
        raw=doc,
    )


def _resource_changes(items: Any, key: str) -> Iterator[ResourceChange]:
    if items is None:
        return
    if not isinstance(items, list):
        raise PlanFormatError(f"{key} is not a list")
    modes = _MODES
    for i, rc in enumerate(items):
        try:
            change = rc["change"]
            action = action_from_json(change["actions"])
            mode = modes[rc["mode"]]
            address = rc["address"]
        except UnknownActionError as exc:
            raise PlanFormatError(f"{key}[{i}] ({_address(rc)}): {exc}") from None
        except (KeyError, TypeError):
            where = f"{key}[{i}] ({_address(rc)})"
            raise PlanFormatError(f"{where}: missing address, mode or change.actions") from None
        get = change.get
        yield ResourceChange(
            address,
            rc.get("module_address", ""),
            rc.get("type", ""),
            rc.get("name", ""),
            mode,
            action,
            rc.get("provider_name", ""),
            rc.get("index"),
            rc.get("deposed", ""),
            rc.get("previous_address", ""),
            rc.get("action_reason", ""),
            get("before"),
            get("after"),
            get("after_unknown"),
            get("before_sensitive"),
            get("after_sensitive"),
            tuple(tuple(p) for p in get("replace_paths") or ()),
            get("importing") is not None,
        )


def _output_changes(items: Any) -> Iterator[OutputChange]:
    if items is None:
        return
    if not isinstance(items, dict):
        raise PlanFormatError("output_changes is not an object")
    for name in sorted(items):
        change = items[name]
        try:
            action = action_from_json(change["actions"])
        except UnknownActionError as exc:
            raise PlanFormatError(f"output_changes.{name}: {exc}") from None
        except (KeyError, TypeError):
            raise PlanFormatError(f"output_changes.{name}: missing actions") from None
        yield OutputChange(
            name,
            action,
            change.get("before"),
            change.get("after"),
            change.get("after_unknown"),
            change.get("before_sensitive"),
            change.get("after_sensitive"),
        )


def _address(rc: Any) -> str:
    return str(rc.get("address", "?")) if isinstance(rc, dict) else "?"
