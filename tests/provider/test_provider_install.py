"""Installing the provider into a filesystem mirror, and the CLI config that points at it."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from provider_harness import ProviderInstall, Unit

from mlstrata.provider import install

LAYOUT = "local.mlstrata.dev/mlstrata/mlstrata/0.1.0/{platform}/terraform-provider-mlstrata_v0.1.0"


def test_install_writes_an_executable_wrapper_in_the_mirror_layout(tmp_path: Path) -> None:
    target = install.install_provider(tmp_path)
    assert target == tmp_path / LAYOUT.format(platform=install.platform_string())
    assert target.read_text() == f'#!/bin/sh\nexec {sys.executable} -m mlstrata.provider "$@"\n'
    assert stat.S_IMODE(target.stat().st_mode) == 0o755


def test_install_is_idempotent_and_replaces_a_stale_wrapper(tmp_path: Path) -> None:
    target = install.install_provider(tmp_path)
    before = target.stat()
    os.utime(target, (1_000_000_000, 1_000_000_000))
    assert install.install_provider(tmp_path) == target
    assert target.stat().st_mtime == 1_000_000_000 and target.stat().st_ino == before.st_ino
    install.install_provider(tmp_path, interpreter="/opt/other python/bin/python3")
    assert "exec '/opt/other python/bin/python3' -m mlstrata.provider" in target.read_text()
    assert [p.name for p in target.parent.iterdir()] == [target.name]


def test_wrapper_starts_the_provider_handshake(tmp_path: Path) -> None:
    target = install.install_provider(tmp_path)
    proc = subprocess.Popen([str(target)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
    finally:
        proc.terminate()
        proc.wait(timeout=120)  # generous: a busy machine
    assert re.fullmatch(r"1\|6\|unix\|/[^|]+\.sock\|grpc\|[A-Za-z0-9+/]+", line), line


@pytest.mark.parametrize(
    ("system", "machine", "expected"),
    [("Linux", "x86_64", "linux_amd64"), ("Darwin", "arm64", "darwin_arm64"), ("Linux", "aarch64", "linux_arm64"),
     ("Linux", "armv7l", "linux_arm"), ("FreeBSD", "amd64", "freebsd_amd64")],
)  # fmt: skip
def test_platform_string(system: str, machine: str, expected: str) -> None:
    assert install.platform_string(system, machine) == expected


def test_windows_is_refused() -> None:
    with pytest.raises(RuntimeError, match="does not support 'windows'"):
        install.platform_string("Windows", "AMD64")


def test_cli_config_block(tmp_path: Path) -> None:
    assert install.cli_config_block(tmp_path) == (
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path    = "{tmp_path}"\n'
        '    include = ["local.mlstrata.dev/mlstrata/mlstrata"]\n'
        "  }\n"
        "  direct {\n"
        '    exclude = ["local.mlstrata.dev/*/*"]\n'
        "  }\n"
        "}\n"
    )


def test_package_hash_matches_terraforms_lock_file(unit: Unit, provider_install: ProviderInstall) -> None:
    unit.write("")
    unit.init()
    lock = (unit.path / ".terraform.lock.hcl").read_text()
    mirror = provider_install.mirror
    assert f'"{install.package_hash(mirror)}"' in lock
    assert 'version     = "0.1.0"' in lock
