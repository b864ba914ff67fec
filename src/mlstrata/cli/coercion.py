"""Option values without pydantic: Typer (>= 0.16) coerces every non-flag parameter through a pydantic
TypeAdapter, and importing pydantic costs 0.25-0.4 s, which commands that never read a spec (`check`,
`review`, `rules`, `history`) should not pay.

Our options are only `str`, `int`, `Path` and lists of them. For a value of the expected shape (a string for
`str`; digits within the bounds for `int`; any string or path for `Path`), the result is the one Typer's
adapter gives. Anything else (a bad number, a missing file, an unexpected type) is handed to Typer's own
coercion, so the errors stay Typer's, word for word (tests/cli/test_coercion.py compares both on every
parameter of every command).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from typer import _coercion as typer_coercion
from typer._param_types import coerce_cli_path
from typer.core import TyperCommand, TyperGroup, _TyperParameter

_DIGITS = re.compile(r"-?[0-9]+")
_LEAVES = (str, int, Path, bool)


class _Fallback(Exception):
    """The fast path does not apply: let Typer coerce the value."""


def _leaf(annotation: Any, value: Any, param: _TyperParameter, ctx: Any) -> Any:
    info = param.type_descriptor.parameter_info
    if annotation is bool:
        if isinstance(value, bool):
            return value
    elif annotation is str:
        if isinstance(value, str):
            return value
    elif annotation is int:
        number = value if type(value) is int else None
        if isinstance(value, str) and _DIGITS.fullmatch(value):
            number = int(value)
        if number is not None and not info.clamp and (info.min is None or number >= info.min) and (
                info.max is None or number <= info.max):
            return number
    elif annotation is Path and info.path_type is None and isinstance(value, (str, Path)):
        try:
            return coerce_cli_path(Path(value), info, path_type=Path, param=param, ctx=ctx)
        except Exception:  # a missing file, a directory where a file is wanted: Typer words the error
            raise _Fallback() from None
    raise _Fallback()


@dataclass(frozen=True)
class PlainRuntimeParam(typer_coercion.RuntimeParam):
    """Typer's runtime coercion for one parameter, with a pydantic-free path for the expected shapes."""

    leaf: Any = None
    is_list: bool = False

    def _coerce_value(self, value: Any, param: _TyperParameter, ctx: Any) -> Any:
        try:
            if self.is_list:
                items = value if isinstance(value, (list, tuple)) else [value]
                return [_leaf(self.leaf, item, param, ctx) for item in items]
            return _leaf(self.leaf, value, param, ctx)
        except _Fallback:
            return typer_coercion.build_runtime_param(param.type_descriptor)._coerce_value(value, param, ctx)


def _plain(param: _TyperParameter) -> PlainRuntimeParam | None:
    descriptor = param.type_descriptor
    annotation, info = descriptor.annotation, descriptor.parameter_info
    if descriptor.file_annotation is not None or info.parser is not None:
        return None
    origin = getattr(annotation, "__origin__", None)
    if origin is list and len(annotation.__args__) == 1 and annotation.__args__[0] in _LEAVES:
        return PlainRuntimeParam(info, annotation, leaf=annotation.__args__[0], is_list=True)
    if annotation in _LEAVES:
        return PlainRuntimeParam(info, annotation, leaf=annotation)
    return None


def _with_plain_coercion(params: list[Any]) -> list[Any]:
    for param in params:
        if isinstance(param, _TyperParameter) and param._runtime_param is None:
            param._runtime_param = _plain(param)
    return params


class PlainCommand(TyperCommand):
    """A command whose parameters (its --help included) coerce values without pydantic where they can."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _with_plain_coercion(super().get_params(ctx))


class PlainGroup(TyperGroup):
    """A command group whose own parameters coerce values without pydantic where they can."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _with_plain_coercion(super().get_params(ctx))


def use_plain_coercion(app: typer.Typer) -> None:
    """Make every command and group registered on `app` (recursively) a plain-coercion one."""
    for info in app.registered_commands:
        if info.cls in (None, TyperCommand):  # Typer's default
            info.cls = PlainCommand
    for group in app.registered_groups:
        group.cls = PlainGroup
        if group.typer_instance is not None:
            use_plain_coercion(group.typer_instance)
