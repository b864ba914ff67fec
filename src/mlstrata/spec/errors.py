"""Pydantic validation errors as positioned diagnostics: file:line, the key path, a hint (closest name,
allowed values, the range)."""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from mlstrata.diagnostics import Diagnostic, did_you_mean
from mlstrata.spec.source import KeyPath, Source, diagnostics_at


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated/Optional wrappers down to the interesting type."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
            continue
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            annotation = models[0] if models else args[0]
            continue
        return annotation


def model_at(root: type[BaseModel], path: KeyPath) -> type[BaseModel] | None:
    """The pydantic model that describes the mapping at `path`, if there is one."""
    current: Any = root
    for part in path:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            if not isinstance(part, str) or part not in current.model_fields:
                return None
            current = current.model_fields[part].annotation
            continue
        origin = typing.get_origin(current)
        if origin in (dict, list):
            current = typing.get_args(current)[-1]
            continue
        return None
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return current
    return None


def _loc_to_path(loc: tuple[str | int, ...]) -> tuple[KeyPath, bool]:
    """Pydantic locations to source key paths; `[key]` marks a dict-key error."""
    path: list[str | int] = []
    is_key = False
    for part in loc:
        if part == "[key]":
            is_key = True
            continue
        path.append(part)
    return tuple(path), is_key


def pydantic_diagnostics(exc: ValidationError, source: Source, root: type[BaseModel],
                         prefix: KeyPath = (), remap: typing.Callable[[KeyPath], KeyPath] | None = None,
                         ) -> list[Diagnostic]:
    """Translate pydantic errors into positioned diagnostics with hints."""
    out: list[Diagnostic] = []
    for err in exc.errors(include_url=False):
        rel, is_key = _loc_to_path(tuple(err["loc"]))
        # union branches add the branch type name to the location: drop those parts
        rel = tuple(p for p in rel if not (isinstance(p, str) and (p in {"int", "str", "literal['autoscaler']"}
                                                                    or p.startswith(("function-", "literal[")))))
        path = (*prefix, *rel)
        if remap is not None:
            path = remap(path)
        kind = err["type"]
        ctx = err.get("ctx") or {}
        given = err.get("input")
        name = str(rel[-1]) if rel else ""
        if kind == "extra_forbidden":
            model = model_at(root, rel[:-1])
            fields = sorted(model.model_fields) if model else []
            hint = did_you_mean(name, fields)
            allowed = ", ".join(fields)
            hint = (hint + " " if hint else "") + (f"Allowed keys here: {allowed}." if allowed else "")
            out.append(diagnostics_at(source, path, f"unknown key `{name}`", hint, key=True,
                                      code="spec.unknown_key"))
        elif kind == "missing":
            out.append(diagnostics_at(source, path[:-1], f"missing required key `{name}`",
                                      f"Add `{name}:` here (see `mlstrata schema` for its shape).",
                                      key=True, code="spec.missing_key"))
        elif kind == "literal_error":
            expected = str(ctx.get("expected", ""))
            options = [o.strip().strip("'") for o in expected.replace(" or ", ", ").split(",")]
            hint = did_you_mean(str(given), options)
            out.append(diagnostics_at(source, path, f"`{given}` is not allowed here",
                                      ((hint + " ") if hint else "") + f"Use one of: {expected}.",
                                      code="spec.bad_value"))
        elif kind == "string_type" and isinstance(given, int | float) and not isinstance(given, bool):
            out.append(diagnostics_at(source, path, f"expected text, got the number {given}",
                                      f'Quote it: "{given}" (YAML drops leading zeros of unquoted numbers).',
                                      code="spec.type"))
        elif kind == "string_pattern_mismatch" and is_key:
            out.append(diagnostics_at(source, path, f"invalid name `{given}`",
                                      "Names are 2-32 characters: lower-case letters, digits and '-', "
                                      "starting with a letter.", key=True, code="spec.bad_name"))
        else:
            msg = err["msg"]
            summary = f"{msg[0].lower()}{msg[1:]}" if msg else kind
            if given is not None and not isinstance(given, dict | list):
                summary += f" (got {given!r})"
            out.append(diagnostics_at(source, path, summary, _generic_hint(kind), key=is_key,
                                      code="spec.invalid"))
    return out


def _generic_hint(kind: str) -> str:
    if kind.endswith("_type"):
        return "Check the type of this value against `mlstrata schema`."
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        return "Pick a value inside the allowed range."
    if kind in {"too_short", "too_long"}:
        return "Check how many entries this list or mapping needs."
    return "See `mlstrata schema` for the allowed values."
