"""Opening a rendered repository writes nothing; installing the local target's provider is its own step,
taken just before Terraform runs (`install_providers`), and a failure there is a diagnostic, not a
traceback."""

from __future__ import annotations

from pathlib import Path

from support.cli import mlstrata

from mlstrata.render.tree import render_tree, write_tree
from mlstrata.repo import CLI_CONFIG, PLUGINS_DIR
from mlstrata.spec.load import load_spec
from mlstrata.targets.registry import TARGETS
from mlstrata.workspace import install_providers, open_workspace

QUICKSTART = Path(__file__).resolve().parents[1] / "examples" / "quickstart" / "platform.yaml"


def _rendered(tmp_path: Path) -> tuple[Path, Path]:
    spec = tmp_path / "platform.yaml"
    spec.write_text(QUICKSTART.read_text())
    repo = tmp_path / "infra"
    write_tree(render_tree(load_spec(spec, targets=TARGETS)), repo)
    return spec, repo


def _files(repo: Path) -> set[str]:
    return {p.relative_to(repo).as_posix() for p in repo.rglob("*")}


def test_opening_writes_nothing_and_installing_writes_the_provider_and_its_cli_config(tmp_path: Path) -> None:
    spec, repo = _rendered(tmp_path)
    before = _files(repo)
    ws, problems = open_workspace(load_spec(spec, targets=TARGETS), repo, ["dev"], None)
    assert ws is not None and problems == []
    assert _files(repo) == before
    (block,) = ws.cli_config_blocks
    assert str((repo / PLUGINS_DIR).resolve()) in block and "filesystem_mirror" in block
    assert install_providers(ws) == []
    assert (repo / CLI_CONFIG).read_text() == block + "\n"
    wrappers = list((repo / PLUGINS_DIR).rglob("terraform-provider-mlstrata_v*"))
    assert len(wrappers) == 1 and wrappers[0].stat().st_mode & 0o111
    assert install_providers(ws) == []  # idempotent: a second run finds it in place


def test_a_failed_install_says_where_and_the_run_exits_2_before_terraform(tmp_path: Path) -> None:
    spec, repo = _rendered(tmp_path)
    (repo / PLUGINS_DIR).write_text("not a folder")
    ws, _ = open_workspace(load_spec(spec, targets=TARGETS), repo, ["dev"], None)
    assert ws is not None
    (problem,) = install_providers(ws)
    assert problem.code == "cli.provider_install" and PLUGINS_DIR in problem.summary and problem.hint
    result = mlstrata("plan", "--spec", str(spec), "--env", "dev", "--no-review")
    assert result.returncode == 2, result.output
    assert "cannot install the mlstrata provider" in result.output and "Traceback" not in result.output
    assert not list(repo.rglob(".terraform"))
