"""The pydantic-free option coercion (mlstrata.cli.coercion) gives Typer's results, errors included, on every
parameter of every command."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer import _coercion as typer_coercion
from typer._click import Context
from typer.core import _TyperParameter

from mlstrata.cli import COMMANDS, build_app
from mlstrata.cli.coercion import PlainRuntimeParam


def parameters() -> list[tuple[str, Any, _TyperParameter]]:
    found = []
    for name in sorted(set(COMMANDS)):
        root = typer.main.get_command(build_app(name))
        todo = [(name, root.commands[name])]
        while todo:
            path, command = todo.pop()
            ctx = Context(command)
            found += [(path, command, p) for p in command.get_params(ctx) if isinstance(p, _TyperParameter)]
            todo += [(f"{path} {n}", c) for n, c in getattr(command, "commands", {}).items()]
    return found


def outcome(coerce: Any, value: Any) -> tuple[str, Any]:
    try:
        return "ok", coerce(value)
    except Exception as exc:  # the comparison is of whatever happens
        return type(exc).__name__, str(exc)


def samples(param: _TyperParameter, tmp: Path) -> list[Any]:
    leaf = param.type_descriptor.annotation
    leaf = getattr(leaf, "__args__", (leaf,))[0]
    base: list[Any] = [param.default, "", "x", " 3 ", "3", "-1", "16", "17", "0", "3.0", "0x10", "1_000",
                       str(tmp / "a-file"), str(tmp), str(tmp / "missing"), str(tmp / "a-file") + "/", tmp, True]
    if param.multiple or param.nargs == -1:
        return [(), ["x", str(tmp)], [str(tmp / "missing")], ("3", "x")]
    return base if leaf is not bool else [True, False, None, param.default]


def test_every_parameter_coerces_as_typer_does(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    params = parameters()
    assert len(params) > 150  # every command's options, --help included
    plain = 0
    for path, command, param in params:
        runtime = param.get_runtime_param()
        ctx = Context(command)
        typer_runtime = typer_coercion.build_runtime_param(param.type_descriptor)
        plain += isinstance(runtime, PlainRuntimeParam)
        for value in samples(param, tmp_path):
            ours = outcome(functools.partial(runtime.coerce, param=param, ctx=ctx), value)
            theirs = outcome(functools.partial(typer_runtime.coerce, param=param, ctx=ctx), value)
            assert ours == theirs, (path, param.name, value)
            assert type(ours[1]) is type(theirs[1]), (path, param.name, value)
    assert plain == len(params)  # str, int, bool, Path and lists of them: all plain


@pytest.mark.parametrize("args", [("check", "--jobs", "x", "."), ("check", "--jobs", "-1", "."),
                                  ("plan", "--parallel", "17"), ("validate", "--spec", ".")])
def test_bad_values_are_typers_usage_errors(args: tuple[str, ...]) -> None:
    from support.cli import mlstrata

    result = mlstrata(*args)
    assert result.returncode == 2
    assert "Invalid value for" in result.output
