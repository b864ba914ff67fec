"""Decode `terraform show -json <planfile>` output into a typed `Plan`, fast and strictly.

The document's shape is validated once, here, by msgspec against the structs below: every field the
analysis reads has its JSON type checked (an address is a string, actions a list of strings, before/after
objects or null, the configuration's module calls objects...), so analysis code never meets a wrong type.
A plan nested deeper than `MAX_DEPTH` is refused too, so no recursive reader downstream can overflow.
Decoding runs with the garbage collector paused: a large plan allocates millions of containers and the
collector's passes over them cost more than the parsing itself.
"""

from __future__ import annotations

import gc
import itertools
import os
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, Literal, TypeVar

import msgspec

from mlstrata.diagnostics import Diagnostic, DiagnosticsError, Where, error
from mlstrata.plan.action import ACTIONS_BY_JSON, UnknownActionError, action_from_json
from mlstrata.plan.model import OutputChange, Plan, ResourceChange, ResourceMode
from mlstrata.targets.resources import observed_only
from mlstrata.userfiles import MiB, read_user_bytes

SUPPORTED_MAJOR = "1"
MAX_PLAN_BYTES = 2048 * MiB
MAX_DEPTH = 128  # a real plan nests modules and blocks a few dozen levels at most

T = TypeVar("T")
_MODES = {"managed": ResourceMode.MANAGED, "data": ResourceMode.DATA}
_HINT = "pass the output of `terraform show -json <planfile>` from Terraform 1.x"


class PlanFormatError(ValueError):
    """The JSON is not a plan this version of mlstrata can read."""


# -- the shape of the document (only what mlstrata reads; other fields are ignored)

class _Change(msgspec.Struct, frozen=True):
    actions: tuple[str, ...]  # a tuple: the key of `ACTIONS_BY_JSON` as decoded
    # raw JSON, decoded when first read (`ResourceChange.before`): most changes of a large plan are never
    # looked into. Checked to be an object or null in `_resource_changes`, so the shape is still checked once.
    before: msgspec.Raw = msgspec.Raw()
    after: msgspec.Raw = msgspec.Raw()
    after_unknown: dict[str, Any] | bool | None = None
    before_sensitive: dict[str, Any] | list[Any] | bool | None = None
    after_sensitive: dict[str, Any] | list[Any] | bool | None = None
    replace_paths: list[list[str | int]] | None = None
    importing: dict[str, Any] | None = None


class _ResourceChange(msgspec.Struct, frozen=True):
    address: str
    mode: Literal["managed", "data"]
    change: _Change
    module_address: str = ""
    type: str = ""
    name: str = ""
    provider_name: str = ""
    index: int | str | None = None
    deposed: str = ""
    previous_address: str = ""
    action_reason: str = ""


class _OutputChange(msgspec.Struct, frozen=True):
    actions: list[str]
    before: Any = None
    after: Any = None
    after_unknown: Any = None
    before_sensitive: Any = None
    after_sensitive: Any = None


class _Expression(msgspec.Struct, frozen=True):
    constant_value: Any = None
    references: list[str] | None = None


class _ProviderConfig(msgspec.Struct, frozen=True):
    name: str = ""
    expressions: dict[str, Any] | None = None


class _ModuleCall(msgspec.Struct, frozen=True):
    source: str = ""
    module: _Module | None = None


class _Module(msgspec.Struct, frozen=True):
    # Only the module calls: review places findings by them (review/source.py finds the blocks in the code).
    # A module's `resources` (every resource's expressions) are not read, so not decoded: on the 20k-change
    # plan they were ~40% of the document's decode.
    module_calls: dict[str, _ModuleCall] | None = None


class _Configuration(msgspec.Struct, frozen=True):
    provider_config: dict[str, _ProviderConfig] | None = None
    root_module: _Module | None = None


class _PlanDocument(msgspec.Struct, frozen=True):
    format_version: str | None = None
    terraform_version: str = ""
    resource_changes: list[_ResourceChange] | None = None
    resource_drift: list[_ResourceChange] | None = None
    output_changes: dict[str, _OutputChange] | None = None
    configuration: _Configuration | None = None
    # read only to tell a plan from state JSON: kept as raw bytes, since in a real plan `planned_values`
    # repeats every resource's `after` and materialising it would double the decoding work
    # (msgspec takes no union with Raw: an absent field is an empty Raw, a JSON null the bytes `null`)
    planned_values: msgspec.Raw = msgspec.Raw()
    values: msgspec.Raw = msgspec.Raw()
    # the state the plan was made against, read only by `Plan.holds_prior_resources` (drift's "not applied")
    prior_state: msgspec.Raw = msgspec.Raw()
    errored: bool = False
    applyable: bool = False
    complete: bool = True
    timestamp: str = ""


_DECODER = msgspec.json.Decoder(_PlanDocument)

# -- depth, in C-speed byte operations on a plan msgspec has already accepted as JSON. Strings go first (a
# bracket inside one is not structure); then each pass of `replace(b"[]", b"")` removes exactly the innermost
# pairs, one level: the document is deeper than `limit` when brackets are left after `limit` passes.

# Every escape in valid JSON is a backslash and one of `"\\/bfnrtu`: keeping those characters (and quotes and
# brackets) keeps each backslash beside the character it escapes, so the escapes can be taken out of this
# shorter text exactly as out of the whole document.
_KEEP_ESCAPES = bytes(b for b in range(256) if b not in b'"[]{}\\/bfnrtu')
_KEEP_STRUCTURE = bytes(b for b in range(256) if b not in b'"[]{}')
_FOLD = bytes.maketrans(b"{}", b"[]")  # depth does not care which kind of bracket
_QUOTED = re.compile(rb'"[^"]*"')
_STEP = tuple(1 if b == ord("[") else -1 if b == ord("]") else 0 for b in range(256))
_PASSES = 16


def deeper_than(data: bytes, limit: int) -> bool:
    """True when the JSON text (valid JSON: decode it first) nests arrays/objects more than `limit` levels."""
    text = data.translate(None, _KEEP_ESCAPES)
    if b"\\" in text:  # escaped backslashes first, so that in `\\\\"` the quote still closes its string
        text = text.replace(b"\\\\", b"").replace(b'\\"', b"")
    # most strings hold no bracket and are now `""`; removing adjacent quote pairs keeps the parity of the
    # rest (two strings with nothing structural between them merge), and the few left go by regex
    brackets = text.translate(_FOLD, _KEEP_STRUCTURE).replace(b'""', b"")
    if b'"' in brackets:
        brackets = _QUOTED.sub(b"", brackets)
    # a real plan is a few dozen levels deep and each pass shrinks the text a lot; past a few passes the rest
    # is counted in one linear walk, so that a document built to be deep everywhere stays cheap
    passes = min(limit, _PASSES)
    for _ in range(passes):
        if not brackets:
            return False
        brackets = brackets.replace(b"[]", b"")
    return passes + max(itertools.accumulate(map(_STEP.__getitem__, brackets)), default=0) > limit


@contextmanager
def _gc_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


_JSON_KIND = {"array": "list", "object": "object", "str": "string", "int": "number", "float": "number",
              "bool": "boolean", "null": "null"}


def _shape_problem(exc: msgspec.ValidationError) -> str:
    """msgspec's `Expected `str`, got `int` - at `$.resource_changes[0].address`` in our words."""
    text = str(exc)
    message, _, at = text.partition(" - at `")
    at = at.rstrip("`").removeprefix("$").lstrip(".")
    if not at:
        got = re.search(r"got `(\w+)`", message)
        kind = _JSON_KIND.get(got.group(1), got.group(1)) if got else "value"
        return f"not a Terraform plan: the JSON document is a {kind}, not an object"
    return f"not a Terraform plan: {at}: {message[0].lower()}{message[1:]}"


def _too_deep(source: str) -> Diagnostic:
    return error(f"not a Terraform plan: nested more than {MAX_DEPTH} levels deep", where=Where(source),
                 code="plan.unsupported", hint=_HINT)


def _document(raw: bytes, source: str) -> tuple[_PlanDocument | None, list[Diagnostic]]:
    """The document's shape, checked by msgspec (the garbage collector paused by the caller)."""
    try:
        return _DECODER.decode(raw), []
    except msgspec.ValidationError as exc:
        return None, [error(_shape_problem(exc), where=Where(source), code="plan.unsupported", hint=_HINT)]
    except RecursionError:  # deeper than the interpreter's limit: the same answer as the depth check's
        return None, [_too_deep(source)]
    except msgspec.DecodeError as exc:
        return None, [error("not valid JSON", detail=str(exc), where=Where(source), code="plan.invalid_json",
                            hint="pass the output of `terraform show -json <planfile>`")]


def _build(doc: _PlanDocument, source: str) -> tuple[Plan | None, list[Diagnostic]]:
    try:
        return _plan(doc), []
    except PlanFormatError as exc:
        return None, [error(str(exc), where=Where(source), code="plan.unsupported", hint=_HINT)]


def decode_plan(data: bytes | str, source: str = "<plan>") -> tuple[Plan | None, list[Diagnostic]]:
    """Decode plan JSON; return the plan, or None and diagnostics saying why it cannot be read."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    with _gc_paused():
        doc, problems = _document(raw, source)
        if doc is None:
            return None, problems
        if deeper_than(raw, MAX_DEPTH):
            return None, [_too_deep(source)]
        return _build(doc, source)


def load_plan(path: Path) -> tuple[Plan | None, list[Diagnostic]]:
    """Read and decode a plan JSON file."""
    try:
        data = read_user_bytes(path, what="plan JSON", code="plan.io", max_bytes=MAX_PLAN_BYTES)
    except DiagnosticsError as exc:
        return None, exc.diagnostics
    return decode_plan(data, str(path))


# -- a large plan: the depth check on the other core --------------------------------------------------

FORK_FROM_BYTES = 8 * MiB  # below this the depth check takes a few ms: not worth a process
_CHILD_FAILED = 3


class _DepthCheck:
    """`deeper_than(raw, MAX_DEPTH)` in a forked process, while this one goes on with the plan.

    Only on Linux, and only from a process with one thread (a fork copies no other thread, and one holding
    a lock at that moment would leave it locked in the child). The child computes and exits with the answer;
    a child that fails any other way leaves the check to this process."""

    def __init__(self, raw: bytes, pid: int) -> None:
        self.raw, self.pid = raw, pid

    @staticmethod
    def start(raw: bytes, fork_from: int) -> _DepthCheck | None:
        if len(raw) < fork_from or sys.platform != "linux" or threading.active_count() != 1:
            return None
        try:
            pid = os.fork()
        except OSError:
            return None
        if pid == 0:  # the child: answer and leave at once (no exit handlers, no flushing the parent's buffers)
            code = _CHILD_FAILED
            try:
                code = 1 if deeper_than(raw, MAX_DEPTH) else 0
            finally:
                os._exit(code)
        return _DepthCheck(raw, pid)

    def deep(self) -> bool:
        try:
            _, status = os.waitpid(self.pid, 0)
            code = os.waitstatus_to_exitcode(status)
        except ChildProcessError:  # reaped elsewhere (SIGCHLD ignored): no answer from the child
            code = _CHILD_FAILED
        return code == 1 if code in (0, 1) else deeper_than(self.raw, MAX_DEPTH)

    def abandon(self) -> None:
        with suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)
        with suppress(OSError):
            os.waitpid(self.pid, 0)


def decode_plan_and(data: bytes, use: Callable[[Plan], T], source: str = "<plan>", *,
                    fork_from: int = FORK_FROM_BYTES,
                    keep: Callable[[object], None] | None = None) -> tuple[T | None, list[Diagnostic]]:
    """Decode plan JSON and give the plan to `use`; return what `use` returns, or None and why the plan cannot
    be read, exactly as `decode_plan` would say it.

    For a plan of `fork_from` bytes or more the depth check (a tenth of a second on a 60 MB plan) runs in a
    forked process while this one builds the plan and runs `use`, so both cores work: `use`'s result is
    returned only once the check has passed, and a RecursionError from `use` on a plan the check refuses is
    that refusal. Everything else is as in `decode_plan`.

    `keep`, when given, is handed the decoded document and plan instead of letting them be freed here: for a
    caller that exits right after without freeing them (freeing a 20k-change plan's millions of objects
    takes ~0.1 s)."""
    with _gc_paused():
        # forked before the decode: after a fork, every page both processes share is copied when this one first
        # writes to it, and the decoded document's pages, made after the fork, are this process's alone
        check = _DepthCheck.start(data, fork_from)
        try:
            doc, problems = _document(data, source)
        except BaseException:
            if check is not None:
                check.abandon()
            raise
        if doc is None:
            if check is not None:
                check.abandon()
            return None, problems
        if keep is not None:
            keep(doc)
        if check is None:
            if deeper_than(data, MAX_DEPTH):
                return None, [_too_deep(source)]
            plan, problems = _build(doc, source)
            if keep is not None:
                keep(plan)
            return (use(plan), []) if plan is not None else (None, problems)
        try:
            plan, problems = _build(doc, source)
            if keep is not None:
                keep(plan)
            del doc
            result = use(plan) if plan is not None else None
        except RecursionError:
            if check.deep():
                return None, [_too_deep(source)]
            raise
        except BaseException:
            check.abandon()
            raise
        if check.deep():
            return None, [_too_deep(source)]
        return (result, []) if plan is not None else (None, problems)


def load_plan_and(path: Path, use: Callable[[Plan], T], *,
                  keep: Callable[[object], None] | None = None) -> tuple[T | None, list[Diagnostic]]:
    """Read a plan JSON file and give the decoded plan to `use` (see `decode_plan_and`; `keep` is also handed
    the file's bytes)."""
    try:
        data = read_user_bytes(path, what="plan JSON", code="plan.io", max_bytes=MAX_PLAN_BYTES)
    except DiagnosticsError as exc:
        return None, exc.diagnostics
    if keep is not None:
        keep(data)
    return decode_plan_and(data, use, str(path), keep=keep)


def plan_from_dict(doc: Any) -> Plan:
    """Build a `Plan` from already-decoded JSON; raise PlanFormatError when it is not a readable plan."""
    try:  # through JSON text: the one decoder checks the shape and keeps the raw parts raw
        data = msgspec.json.encode(doc)
    except (TypeError, msgspec.EncodeError) as exc:
        raise PlanFormatError(f"not a Terraform plan: not JSON data ({exc})") from None
    with _gc_paused():
        try:
            typed = _DECODER.decode(data)
        except msgspec.ValidationError as exc:
            raise PlanFormatError(_shape_problem(exc)) from None
        return _plan(typed)


def builtins_of(value: Any) -> Any:
    """`msgspec.to_builtins(value)` for what this module decodes, without copying the dicts and lists the decoder
    made for `Any` fields (only structs are converted; none is ever inside an `Any`): on a 20k-resource plan
    to_builtins copied every resource of the configuration, ~0.03 s and as many objects again."""
    if isinstance(value, msgspec.Struct):
        return {name: builtins_of(getattr(value, name)) for name in value.__struct_fields__}
    if isinstance(value, dict) and any(isinstance(item, msgspec.Struct) for item in value.values()):
        return {key: builtins_of(item) for key, item in value.items()}
    if isinstance(value, list) and any(isinstance(item, msgspec.Struct) for item in value):
        return [builtins_of(item) for item in value]
    return value


def _absent(raw: msgspec.Raw) -> bool:
    return bytes(raw).strip() in (b"", b"null")


def _plan(doc: _PlanDocument) -> Plan:
    version = doc.format_version
    if version is None:
        raise PlanFormatError("not a Terraform plan: no format_version")
    if version.split(".", 1)[0] != SUPPORTED_MAJOR:
        raise PlanFormatError(f"unsupported plan format_version {version!r} (this mlstrata reads {SUPPORTED_MAJOR}.x)")
    if _absent(doc.planned_values) and doc.resource_changes is None:
        if not _absent(doc.values):
            raise PlanFormatError("this is Terraform state JSON, not a plan")
        raise PlanFormatError("not a Terraform plan: no planned_values or resource_changes")
    return Plan(
        format_version=version,
        terraform_version=doc.terraform_version,
        resource_changes=tuple(_resource_changes(doc.resource_changes, "resource_changes")),
        resource_drift=tuple(rc for rc in _resource_changes(doc.resource_drift, "resource_drift")
                             if not observed_only(rc.type, rc.before, rc.after)),
        output_changes=tuple(_output_changes(doc.output_changes)),
        configuration=builtins_of(doc.configuration) if doc.configuration is not None else None,
        errored=doc.errored,
        applyable=doc.applyable,
        complete=doc.complete,
        timestamp=doc.timestamp,
        prior_state=memoryview(doc.prior_state),
    )


_OBJECT, _NULL = ord("{"), ord("n")
_OBJECT_OR_NULL = msgspec.json.Decoder(dict[str, Any] | None)


def _object_or_null(raw: msgspec.Raw, key: str, i: int, side: str) -> msgspec.Raw | None:
    """`raw` when it holds a JSON object, None for null or absent; else the decoder's own words for why not."""
    view = memoryview(raw)
    if not view:
        return None
    first = view[0]
    if first == _OBJECT:
        return raw
    if first == _NULL:
        return None
    try:  # not an object: msgspec says what it is, in the words of every other shape problem
        value = _OBJECT_OR_NULL.decode(raw)
    except msgspec.ValidationError as exc:
        message = str(exc)
        raise PlanFormatError(f"not a Terraform plan: {key}[{i}].change.{side}: "
                              f"{message[0].lower()}{message[1:]}") from None
    return None if value is None else raw


def _resource_changes(items: list[_ResourceChange] | None, key: str) -> list[ResourceChange]:
    # runs once per change of a large plan: one plain loop, no generator, no call but the constructor's in the
    # common case (an action in the table, before/after objects); the rest goes through the checking functions
    out: list[ResourceChange] = []
    add, modes, actions, obj = out.append, _MODES, ACTIONS_BY_JSON, _OBJECT
    for rc in items or ():
        change = rc.change
        action = actions.get(change.actions)
        if action is None:
            try:
                action = action_from_json(list(change.actions))  # said as the JSON list it was
            except UnknownActionError as exc:
                raise PlanFormatError(f"{key}[{len(out)}] ({rc.address}): {exc}") from None
        # an object as it is; anything else checked by the function
        before: msgspec.Raw | None = change.before
        after: msgspec.Raw | None = change.after
        if not (before and memoryview(before)[0] == obj):
            before = _object_or_null(change.before, key, len(out), "before")
        if not (after and memoryview(after)[0] == obj):
            after = _object_or_null(change.after, key, len(out), "after")
        add(ResourceChange(
            rc.address,
            rc.module_address,
            rc.type,
            rc.name,
            modes[rc.mode],
            action,
            rc.provider_name,
            rc.index,
            rc.deposed,
            rc.previous_address,
            rc.action_reason,
            before,
            after,
            change.after_unknown,
            change.before_sensitive,
            change.after_sensitive,
            tuple(tuple(p) for p in change.replace_paths) if change.replace_paths else (),
            change.importing is not None,
        ))
    return out


def _output_changes(items: dict[str, _OutputChange] | None) -> Iterator[OutputChange]:
    for name in sorted(items or {}):
        change = (items or {})[name]
        try:
            action = action_from_json(change.actions)
        except UnknownActionError as exc:
            raise PlanFormatError(f"output_changes.{name}: {exc}") from None
        yield OutputChange(
            name,
            action,
            change.before,
            change.after,
            change.after_unknown,
            change.before_sensitive,
            change.after_sensitive,
        )
