"""The import structure: no cycles between modules (also none hidden behind imports inside functions),
every module importable on its own in a fresh interpreter, and no CLI command module importing another."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from support.markers import INTEGRATION

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = SRC / "mlstrata"
CLI_SHARED = {"mlstrata.cli", "mlstrata.cli.coercion", "mlstrata.cli.common", "mlstrata.cli.output",
              "mlstrata.cli.streams", "mlstrata.cli.units"}  # not commands


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str) -> set[str]:
    """Every mlstrata module `name` imports, anywhere in it (top level, functions, TYPE_CHECKING)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            submodules = {f"{base}.{a.name}" for a in node.names} & MODULES.keys()  # `from pkg import module`
            out.update(submodules)
            if len(submodules) < len(node.names):
                out.add(base)
    # a submodule may import its own package: Python initialises the package first, always
    ancestors = {name.rsplit(".", i)[0] for i in range(1, name.count(".") + 1)}
    return {m for m in out if m in MODULES and m != name and m not in ancestors}


def cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    graph = {m: imports_of(m) for m in MODULES}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for m in graph:
        if m not in index:
            visit(m)
    return found


def test_no_import_cycles() -> None:
    # a package importing its own submodules (`__init__` re-exports) is not a cycle unless a submodule
    # imports the package back; Tarjan over the full graph sees both
    assert cycles() == []


def test_the_cycle_check_sees_cycles(tmp_path: Path) -> None:
    """The check is not vacuous: a graph with a planted cycle is caught."""
    global MODULES
    saved = MODULES
    try:
        a, b = tmp_path / "a.py", tmp_path / "b.py"
        a.write_text("from mlstrata.b import x\n")
        b.write_text("def f():\n    from mlstrata.a import y\n")
        MODULES = {**saved, "mlstrata.a": a, "mlstrata.b": b}
        globals()["MODULES"] = MODULES
        assert ["mlstrata.a", "mlstrata.b"] in cycles()
    finally:
        globals()["MODULES"] = saved


def test_no_cli_module_imports_another_command() -> None:
    commands = {m for m in MODULES if m.startswith("mlstrata.cli.") and m not in CLI_SHARED}
    offenders = {m: sorted(imports_of(m) & commands) for m in MODULES if m.startswith("mlstrata.")}
    assert {m: i for m, i in offenders.items() if i} == {}


# Modules that sat in import cycles before (spec <-> targets, provider resources <-> plugin, CLI commands)
# and one entry point per package: each imported first, alone, in a fresh interpreter.
ENTRY_POINTS = (
    "mlstrata.spec.checks", "mlstrata.spec.load", "mlstrata.targets.aws.render", "mlstrata.targets.local.render",
    "mlstrata.provider.resources.base", "mlstrata.provider.plugin", "mlstrata.hcl.write", "mlstrata.rules.iam",
    "mlstrata.review.gate", "mlstrata.drift.report", "mlstrata.parity.state", "mlstrata.views.cost",
    "mlstrata.cli.lifecycle", "mlstrata.cli.parity", "mlstrata.workspace", "mlstrata.repo",
)


def test_entry_points_import_alone_in_a_fresh_interpreter() -> None:
    """The static check above, confirmed for real where cycles used to be (the slow test below does every module;
    both fork each child from one interpreter that loaded only the third-party libraries: a fresh interpreter per
    module cost ~1.5 s CPU each)."""
    assert set(ENTRY_POINTS) <= MODULES.keys()
    assert _failures_importing_alone(list(ENTRY_POINTS)) == {}


# One fresh interpreter loads the third-party libraries once; for every module it forks a child that imports that
# module alone (no other mlstrata module loaded before it) and reports what went wrong, two children at a time.
_EACH_ALONE = """
import importlib, json, os, sys
for lib in ("pydantic", "typer", "rich.console", "ruamel.yaml", "msgspec", "tree_sitter"):
    importlib.import_module(lib)
assert not any(m == "mlstrata" or m.startswith("mlstrata.") for m in sys.modules)
failed, running, todo = {}, {}, sys.argv[1:]
def reap():
    pid, status = os.wait()
    name, r = running.pop(pid)
    message = os.read(r, 4000).decode(errors="replace")
    os.close(r)
    if status:
        failed[name] = message or f"status {status}"
while todo or running:
    if todo and len(running) < 2:
        name = todo.pop()
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            try:
                importlib.import_module(name)
            except BaseException as exc:
                os.write(w, f"{type(exc).__name__}: {exc}".encode()[:3000])
                os._exit(1)
            os._exit(0)
        os.close(w)
        running[pid] = (name, r)
    else:
        reap()
print(json.dumps(failed))
"""


def _failures_importing_alone(names: list[str]) -> dict[str, str]:
    proc = subprocess.run([sys.executable, "-c", _EACH_ALONE, *names], capture_output=True, text=True, check=False,
                          env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin", "HOME": str(SRC)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    failed: dict[str, str] = json.loads(proc.stdout.splitlines()[-1])
    return failed


def test_a_module_that_fails_to_import_alone_is_named(tmp_path: Path) -> None:
    """The fork runner itself reports a module whose import fails, with why (a check that cannot fail proves
    nothing)."""
    assert _failures_importing_alone(["mlstrata.no_such_module"]) == {
        "mlstrata.no_such_module": "ModuleNotFoundError: No module named 'mlstrata.no_such_module'"}


@pytest.mark.slow
def test_every_module_imports_alone() -> None:
    """Issue 9's check, for real and for every module: each imported first, with no other mlstrata module loaded."""
    names = sorted(m for m in MODULES if not m.endswith("__main__"))  # those run the command
    assert _failures_importing_alone(names) == {}


def test_integration_marking_names_existing_files() -> None:
    tests = Path(__file__).resolve().parents[1]
    assert [f for f in sorted(INTEGRATION) if not (tests / f).is_file()] == []
