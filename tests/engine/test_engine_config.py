"""The CLI config and environment every run gets, and runner selection."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from engine_units import SIMPLE_TF, TERRAFORM_BINARY, needs_binary, write_unit

import mlstrata.engine
from mlstrata.engine import (
    BinaryTerraform,
    EmbeddedTerraform,
    Engine,
    EngineSettings,
    Runner,
    Status,
    init_unit,
    plan_unit,
    select_runner,
    terraform_environ,
    write_cli_config,
)
from mlstrata.engine.cliconfig import hcl_string, render_cli_config


def test_write_cli_config(tmp_path: Path) -> None:
    block = 'provider_installation {\n  filesystem_mirror {\n    path = "/m"\n  }\n}'
    path = write_cli_config(tmp_path / "sub" / "tf.rc", [block], plugin_cache_dir=tmp_path / "cache")
    text = path.read_text()
    assert "disable_checkpoint = true" in text
    assert f'plugin_cache_dir = "{tmp_path / "cache"}"' in text
    assert text.endswith(block + "\n")
    assert (tmp_path / "cache").is_dir()
    assert [p.name for p in path.parent.iterdir()] == ["tf.rc"], "written atomically, nothing left over"
    assert render_cli_config([block]) == render_cli_config([block]), "deterministic"


def test_hcl_string_never_templates() -> None:
    assert hcl_string('a"b\\c') == '"a\\"b\\\\c"'
    assert hcl_string("${x} %{y}") == '"$${x} %%{y}"'


def test_environment_drops_what_would_change_a_run(tmp_path: Path) -> None:
    base = {
        "PATH": "/bin",
        "HOME": "/home/u",
        "TF_CLI_CONFIG_FILE": "/missing.tfrc",
        "TERRAFORM_CONFIG": "/also-missing",
        "TF_CLI_ARGS": "-no-color",
        "TF_CLI_ARGS_plan": "-refresh=false",
        "TF_DATA_DIR": "/elsewhere",
        "TF_WORKSPACE": "other",
        "TF_VAR_region": "eu",
        "TF_LOG": "debug",
    }
    env = terraform_environ(tmp_path / "tf.rc", plugin_cache_dir=tmp_path / "c", base=base, extra={"X": "1"})
    assert env == {
        "PATH": "/bin",
        "HOME": "/home/u",
        "TF_VAR_region": "eu",
        "TF_LOG": "debug",
        "TF_CLI_CONFIG_FILE": str(tmp_path / "tf.rc"),
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",
        "TF_PLUGIN_CACHE_DIR": str(tmp_path / "c"),
        "X": "1",
    }


def test_a_users_broken_config_is_not_inherited(runner: Runner, plugin_cache: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".terraformrc").write_text("this is { not valid HCL\n")
    broken = tmp_path / "broken.tfrc"
    broken.write_text("provider_installation { nonsense }\n")
    environ = {
        **os.environ,
        "HOME": str(home),
        "TF_CLI_CONFIG_FILE": str(broken),
        "TF_CLI_ARGS_plan": "-no-such-flag",
        "TF_DATA_DIR": str(tmp_path / "elsewhere"),
    }
    unit = write_unit(tmp_path, "dev", "base", SIMPLE_TF, state_dir=tmp_path / "state")
    with Engine(runner, EngineSettings(plugin_cache_dir=plugin_cache, environ=environ)) as engine:
        result = plan_unit(engine, unit)
    assert result.status is Status.CHANGES, result.diagnostics
    assert result.diagnostics == ()
    assert (unit.path / ".mlstrata" / "plan.stderr.log").read_text() == ""
    assert not (tmp_path / "elsewhere").exists()


def test_extra_cli_config_blocks_are_used(fast_runner: Runner, plugin_cache: Path, tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    block = f"provider_installation {{\n  filesystem_mirror {{\n    path = {hcl_string(str(mirror))}\n  }}\n}}"
    tf = 'terraform {\n  required_providers {\n    null = { source = "hashicorp/null", version = "3.2.2" }\n  }\n}\n'
    unit = write_unit(tmp_path, "dev", "base", tf)
    with Engine(fast_runner, EngineSettings(plugin_cache_dir=plugin_cache, cli_config_blocks=(block,))) as engine:
        result = init_unit(engine, unit)
    assert result.status is Status.FAILED
    [diag] = [d for d in result.diagnostics if d.is_error]
    assert "not found in any of the search locations" in diag.detail and str(mirror) in diag.detail


def test_engine_runs_from_a_private_empty_directory(
    runner: Runner, make_engine: Callable[..., Engine], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A stdlib-named file in the caller's folder must not reach the embedded worker.
    (tmp_path / "concurrent.py").write_text("raise SystemExit('shadowed the standard library')\n")
    (tmp_path / "json.py").write_text("raise SystemExit('shadowed the standard library')\n")
    monkeypatch.chdir(tmp_path)
    engine = make_engine(runner)
    unit = write_unit(tmp_path, "dev", "base", SIMPLE_TF, state_dir=tmp_path / "state")
    assert plan_unit(engine, unit).status is Status.CHANGES
    assert list(engine.cwd.iterdir()) == []
    private = engine.cwd.parent
    engine.close()
    assert not private.exists()


def test_version(runner: Runner, make_engine: Callable[..., Engine]) -> None:
    version = make_engine(runner).version()
    assert version.count(".") == 2
    if isinstance(runner, EmbeddedTerraform):
        assert version == "1.15.5"


def test_select_runner(tmp_path: Path) -> None:
    runner, diags = select_runner(environ={})
    assert isinstance(runner, EmbeddedTerraform) and diags == []
    runner, _ = select_runner(environ={"MLSTRATA_TERRAFORM": "embedded"})
    assert isinstance(runner, EmbeddedTerraform)

    fake = tmp_path / "tofu"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    runner, _ = select_runner(environ={"MLSTRATA_TERRAFORM": str(fake)})
    assert isinstance(runner, BinaryTerraform) and runner.path == str(fake)
    assert runner.label == f"tofu ({fake})"
    runner, _ = select_runner("tofu", environ={"PATH": str(tmp_path), "MLSTRATA_TERRAFORM": "embedded"})
    assert isinstance(runner, BinaryTerraform) and runner.path == str(fake), "explicit path wins"

    runner, diags = select_runner(str(tmp_path / "nope"), environ={})
    assert runner is None
    assert [d.code for d in diags] == ["engine.terraform_not_found"]
    assert "--terraform names" in diags[0].detail
    runner, diags = select_runner(environ={"MLSTRATA_TERRAFORM": "no-such-terraform", "PATH": str(tmp_path)})
    assert runner is None and "$MLSTRATA_TERRAFORM names" in diags[0].detail


@needs_binary
def test_binary_on_path_by_name() -> None:
    runner, diags = select_runner("terraform")
    assert isinstance(runner, BinaryTerraform) and diags == []
    assert runner.path == shutil.which("terraform") == TERRAFORM_BINARY


def test_embedded_worker_fallback_uses_the_public_api(tmp_path: Path) -> None:
    worker = Path(mlstrata.engine.__file__).with_name("embedded_worker.py")
    code = (
        "import runpy, sys; ns = runpy.run_path(sys.argv[1]); "
        "raise SystemExit(ns['_run_public_api'](['version', '-json']))"
    )
    out = subprocess.run(
        [sys.executable, "-P", "-c", code, str(worker)], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert '"terraform_version": "1.15.5"' in out.stdout


def test_provider_temp_files_live_in_the_engine_private_folder() -> None:
    """The `tf` framework puts its plugin socket in a TemporaryDirectory: with TMPDIR inside the engine's
    private folder, it goes when the engine closes, or on the next start when the process tree was killed
    (issue 10: leftover `py-tf-plugin.sock` folders)."""
    engine = Engine(EmbeddedTerraform(), EngineSettings(plugin_cache=False))
    tmp = Path(engine.environ_for(None)["TMPDIR"])
    assert tmp.is_dir() and tmp.parent.name.startswith(f"mlstrata-engine-{os.getpid()}-")
    engine.close()
    assert not tmp.exists()
