"""The engine serves the local provider once per unit plan (`mlstrata.engine.served`): Terraform reaches it
through TF_REATTACH_PROVIDERS instead of starting it for every step. Counted with a provider wrapper that
records each start; the plan is the same either way; a provider that cannot serve is left to Terraform; the
served process ends with the operation and with the engine.

The Terraform facts relied on: a provider listed in TF_REATTACH_PROVIDERS (keyed by its full source address) is
reached there and never started by Terraform (https://developer.hashicorp.com/terraform/plugin/debugging,
"Debugger-Based Debugging"; hashicorp/terraform-plugin-framework#286); `init` starts no provider; a plan saved
with a reattached provider is applied by a Terraform that starts it itself (the quickstart e2e tests)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from provider_harness import PROVIDER_BLOCK, ProviderInstall

from mlstrata.engine import BinaryTerraform, Engine, EngineSettings, Status, Unit
from mlstrata.engine.operations import plan_unit
from mlstrata.engine.served import REATTACH_ENV, serving
from mlstrata.provider import ADDRESS
from mlstrata.provider.install import cli_config_block, executable_name, install_provider, package_dir

BODY = """
resource "mlstrata_artifact_bucket" "art" {
  name           = "artifacts"
  retention_days = 30
  access         = { trainer = "WRITE" }
}
"""


def _counting_mirror(base: Path, starts: Path, refuse_reattach: bool = False) -> Path:
    """A provider mirror whose executable appends its arguments to `starts` on every start (and, with
    `refuse_reattach`, exits at once when asked to serve for reattaching)."""
    mirror = base / "mirror"
    install_provider(mirror)
    exe = package_dir(mirror) / executable_name()
    shebang, rest = exe.read_text().split("\n", 1)
    refuse = 'if [ "$1" = --reattach ]; then exit 3; fi\n' if refuse_reattach else ""
    exe.write_text(f'{shebang}\necho "start $*" >> {starts}\n{refuse}{rest}')
    return mirror


def _unit(base: Path, name: str) -> Unit:
    path = base / name
    path.mkdir()
    root = base / f"{name}-platform"
    (path / "main.tf").write_text(PROVIDER_BLOCK + f'provider "mlstrata" {{\n  root = "{root}"\n'
                                  f'  secrets_dir = "{base / "secrets"}"\n}}\n' + BODY)
    return Unit(env="dev", layer=name, path=path)


def _plan(base: Path, provider_install: ProviderInstall, mirror: Path, unit: Unit,
          served: tuple[str, ...]) -> tuple[Status, list[dict[str, object]]]:
    settings = EngineSettings(cli_config_blocks=(cli_config_block(mirror),), plugin_cache=False,
                              environ=provider_install.env, served_providers=served)
    with Engine(BinaryTerraform(shutil.which("terraform") or "terraform"), settings) as engine:
        result = plan_unit(engine, unit)
    assert result.plan_json is not None, result.diagnostics
    changes = json.loads(result.plan_json.read_text())["resource_changes"]
    return result.status, [{"address": c["address"], "actions": c["change"]["actions"]} for c in changes]


def _starts(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text().splitlines()] if path.exists() else []


def test_one_provider_process_serves_the_whole_plan_and_the_plan_is_the_same(
        provider_install: ProviderInstall, tmp_path: Path) -> None:
    starts = tmp_path / "starts.log"
    mirror = _counting_mirror(tmp_path, starts)
    plain, served = _unit(tmp_path, "plain"), _unit(tmp_path, "served")

    plain_status, plain_changes = _plan(tmp_path, provider_install, mirror, plain, ())
    after_plain = _starts(starts)
    assert len(after_plain) >= 3 and not any("--reattach" in s for s in after_plain), after_plain

    served_status, served_changes = _plan(tmp_path, provider_install, mirror, served, (ADDRESS,))
    during_served = _starts(starts)[len(after_plain):]
    assert during_served == ["start --reattach"]  # `init` starts no provider; plan and show reattach

    assert served_status is plain_status is Status.CHANGES
    assert served_changes == plain_changes == [{"address": "mlstrata_artifact_bucket.art", "actions": ["create"]}]

    # a second plan of the initialised unit: the one served start is all
    _plan(tmp_path, provider_install, mirror, served, (ADDRESS,))
    assert _starts(starts)[len(after_plain) + len(during_served):] == ["start --reattach"]


def test_a_provider_that_cannot_serve_is_left_to_terraform(provider_install: ProviderInstall, tmp_path: Path) -> None:
    starts = tmp_path / "starts.log"
    mirror = _counting_mirror(tmp_path, starts, refuse_reattach=True)
    unit = _unit(tmp_path, "unit")
    status, changes = _plan(tmp_path, provider_install, mirror, unit, (ADDRESS,))
    assert status is Status.CHANGES
    assert changes == [{"address": "mlstrata_artifact_bucket.art", "actions": ["create"]}]
    seen = _starts(starts)
    assert seen.count("start --reattach") == 1
    assert seen[0] == "start --reattach" and len(seen) >= 4, seen  # then Terraform started it per step
    assert set(seen[1:]) == {"start"}, seen


def _gone(pid: int) -> bool:
    """The process no longer runs (a zombie whose parent died counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def _wait_gone(pid: int) -> bool:
    deadline = time.monotonic() + 120  # generous: only a provider that never exits takes this long
    while time.monotonic() < deadline:
        if _gone(pid):
            return True
        time.sleep(0.05)
    return False


def _initialised(provider_install: ProviderInstall, tmp_path: Path) -> Unit:
    unit = _unit(tmp_path, "unit")
    subprocess.run(["terraform", "init", "-input=false", "-no-color"], cwd=unit.path, env=provider_install.env,
                   check=True, capture_output=True)
    return unit


def test_the_served_provider_ends_with_the_operation(provider_install: ProviderInstall, tmp_path: Path) -> None:
    unit = _initialised(provider_install, tmp_path)
    with serving(unit, (ADDRESS,), provider_install.env, tmp_path / "provider.stderr") as env:
        attached = json.loads(env[REATTACH_ENV])[ADDRESS]
        pid = int(attached["Pid"])
        assert not _gone(pid)
        assert attached["Addr"]["Network"] == "unix"
        socket_dir = Path(attached["Addr"]["String"]).parent
        assert socket_dir.stat().st_mode & 0o077 == 0  # only its user can reach the unsecured socket
    assert _gone(pid)


def test_the_served_provider_ends_when_the_engine_dies(provider_install: ProviderInstall, tmp_path: Path) -> None:
    unit = _initialised(provider_install, tmp_path)
    script = textwrap.dedent(f"""
        import json, os, sys
        from pathlib import Path
        from mlstrata.engine.served import REATTACH_ENV, serving
        from mlstrata.engine.unit import Unit
        unit = Unit(env="dev", layer="unit", path=Path({str(unit.path)!r}))
        with serving(unit, ({ADDRESS!r},), json.loads(sys.argv[1]), Path({str(tmp_path / "stderr")!r})) as env:
            print(json.loads(env[REATTACH_ENV])[{ADDRESS!r}]["Pid"], flush=True)
            os.kill(os.getpid(), 9)  # no clean-up of any kind
    """)
    engine = subprocess.run([sys.executable, "-c", script, json.dumps(provider_install.env)],
                            capture_output=True, text=True, env={**os.environ, **provider_install.env}, check=False)
    assert engine.returncode == -9, engine.stderr
    assert _wait_gone(int(engine.stdout.strip()))


def test_a_unit_without_the_provider_installed_is_not_served(provider_install: ProviderInstall,
                                                             tmp_path: Path) -> None:
    unit = _unit(tmp_path, "unit")  # never initialised: no .terraform/providers
    with serving(unit, (ADDRESS,), provider_install.env, tmp_path / "provider.stderr") as env:
        assert env == {}
