"""Modules whose resources moved (into the shared s3_bucket module, ...) keep existing state in place.

Each case under tests/testdata/module_moves/<module>/ holds the files of the module as released before the
move that differ from today's (`before/`: the previous release is today's module with those files in place
of its own; the variables did not change) and a `terraform test` file: the old module is applied against a
mocked hashicorp/aws provider (no account needed), then the current module plans on that state. The plan
must move every resource and create or destroy none; the static test below checks, without Terraform, that
every old resource address still exists or has a `moved` block.
https://developer.hashicorp.com/terraform/language/modules/develop/refactoring
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from aws_provider5 import MODULES, five_x, five_x_copy, terraform, terraform_env

from mlstrata.hcl import parse_file

REPO = Path(__file__).resolve().parents[2]
CASES = REPO / "tests" / "testdata" / "module_moves"
MOVED = sorted(p.name for p in CASES.iterdir() if p.is_dir())


def _resources(folder: Path) -> set[str]:
    """Managed resource addresses declared in a module's folder (data sources hold no state)."""
    out: set[str] = set()
    for tf in sorted(folder.glob("*.tf")):
        for block in parse_file(str(tf)).body.blocks:
            if block.type == "resource" and len(block.labels) == 2:
                out.add(".".join(block.labels))
    return out


def _moves(folder: Path) -> dict[str, str]:
    """`moved` blocks of a module: from-address -> to-address, as written."""
    out: dict[str, str] = {}
    for tf in sorted(folder.glob("*.tf")):
        for block in parse_file(str(tf)).body.blocks:
            if block.type == "moved":
                attrs = block.body.attributes
                out[attrs["from"].expr_text] = attrs["to"].expr_text
    return out


def _target_exists(module: Path, address: str) -> bool:
    """module.<call>.<type>.<name> resolves to a resource of the library module that <call> sources."""
    m = re.fullmatch(r"module\.([a-z0-9_]+)\.([a-z0-9_]+\.[a-z0-9_]+)", address)
    if m is None:
        return False
    for tf in sorted(module.glob("*.tf")):
        for block in parse_file(str(tf)).body.blocks:
            if block.type == "module" and block.labels == [m[1]]:
                source = block.body.attributes["source"].expr_text.strip('"')
                return m[2] in _resources((module / source).resolve())
    return False


@pytest.mark.parametrize("module", MOVED)
def test_every_old_address_is_kept_or_moved(module: str) -> None:
    before = _resources(CASES / module / "before")
    now = _resources(MODULES / module)
    moves = _moves(MODULES / module)
    assert before, "the before/ copy declares no resource"
    lost = sorted(a for a in before if a not in now and a not in moves)
    assert not lost, f"{module}: these addresses would be destroyed and created again: {lost}"
    dangling = sorted(f"{a} -> {to}" for a, to in moves.items() if not _target_exists(MODULES / module, to))
    assert not dangling, f"{module}: moved blocks point at no resource: {dangling}"


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.parametrize("module", MOVED)
def test_plan_across_the_move_creates_and_destroys_nothing(module: str, tmp_path: Path) -> None:
    env = terraform_env(tmp_path)
    work = five_x_copy(module, tmp_path / "modules" / module)
    before = work / "tests" / "before"
    before.mkdir(parents=True)
    for tf in sorted(MODULES.joinpath(module).glob("*.tf")):
        released = CASES / module / "before" / tf.name
        (before / tf.name).write_text(five_x((released if released.is_file() else tf).read_text()))
    shutil.copy(CASES / module / "move.tftest.hcl", work / "tests")
    init = terraform(["init", "-backend=false", "-input=false"], work, env)
    assert init.returncode == 0, init.stdout + init.stderr
    result = terraform(["test", "-verbose"], work, env)
    out = result.stdout
    assert result.returncode == 0 and " 0 failed" in out, out[-6000:] + result.stderr[-3000:]
    after = out[out.index('run "after"'):]
    summary = re.search(r"Plan: (\d+) to add, (\d+) to change, (\d+) to destroy\.", after)
    assert summary is not None, after[-4000:]
    assert (summary[1], summary[3]) == ("0", "0"), after[-6000:]
    moved = set(re.findall(r"# (\S+) has moved to (\S+)", after))
    moved |= {(a, to) for to, a in re.findall(r"# (\S+) will be updated in-place\n\s*# \(moved from (\S+)\)", after)}
    expected = {(a, to) for a, to in _moves(MODULES / module).items()}
    # a resource with count = 0 in the old state has nothing to move; these cases set every optional part
    assert {(re.sub(r"\[\d+\]", "", a), re.sub(r"\[\d+\]", "", to)) for a, to in moved} == expected, after[-6000:]
