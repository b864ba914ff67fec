"""Fixtures for the provider's tests: a provider mirror + CLI config, Terraform units, PostgreSQL."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from provider_harness import (
    FAKE_SMI_NO_DEVICES,
    PG_BIN,
    PostgresServer,
    ProviderInstall,
    Unit,
    free_port,
    make_unit,
    wait_gone,
)

from mlstrata.provider.install import cli_config_block, install_provider


@pytest.fixture(scope="session")
def provider_install(tmp_path_factory: pytest.TempPathFactory) -> ProviderInstall:
    if shutil.which("terraform") is None:
        pytest.skip("terraform binary not on PATH")
    base = tmp_path_factory.mktemp("provider-mirror")
    mirror = base / "mirror"
    install_provider(mirror)
    cli_config = base / "terraform.tfrc"
    cli_config.write_text(cli_config_block(mirror))
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    env.update(
        TF_CLI_CONFIG_FILE=str(cli_config),
        TF_IN_AUTOMATION="1",
        CHECKPOINT_DISABLE="1",
        # Tests never depend on the host's GPUs: the no-GPU stand-in unless a test says otherwise.
        MLSTRATA_NVIDIA_SMI=str(FAKE_SMI_NO_DEVICES),
    )
    return ProviderInstall(mirror=mirror, cli_config=cli_config, env=env)


@pytest.fixture
def unit(provider_install: ProviderInstall, tmp_path: Path) -> Unit:
    return make_unit(provider_install, tmp_path)


@pytest.fixture(scope="module")
def postgres_server() -> Iterator[PostgresServer]:
    """A throw-away PostgreSQL 15 on a free loopback port, password-protected, stopped by pid."""
    if not (PG_BIN / "initdb").exists():
        pytest.skip("PostgreSQL 15 binaries not found")
    base = Path(tempfile.mkdtemp(prefix="mlstrata-pg-"))
    as_owner: list[str] = []
    if os.geteuid() == 0:
        # initdb refuses to run as root; run the server as the image's postgres user.
        owner = pwd.getpwnam("postgres")
        os.chown(base, owner.pw_uid, owner.pw_gid)
        as_owner = ["runuser", "-u", "postgres", "--"]
    password = "pg-" + os.urandom(8).hex()
    pwfile = base / "pwfile"
    pwfile.write_text(password + "\n")
    if as_owner:
        os.chown(pwfile, pwd.getpwnam("postgres").pw_uid, -1)
    data = base / "data"
    subprocess.run(
        [*as_owner, str(PG_BIN / "initdb"), "-D", str(data), "-U", "mlstrata", f"--pwfile={pwfile}",
         "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--no-sync"],
        check=True, capture_output=True,
    )  # fmt: skip
    port = free_port()
    options = f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={base} -c fsync=off"
    subprocess.run(
        [*as_owner, str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(base / "log"), "-w", "-o", options, "start"],
        check=True, capture_output=True,
    )  # fmt: skip
    pid = int((data / "postmaster.pid").read_text().split()[0])
    try:
        yield PostgresServer(dsn=f"postgresql://mlstrata:{password}@127.0.0.1:{port}/postgres", password=password)
    finally:
        os.kill(pid, signal.SIGINT)  # PostgreSQL's "fast" shutdown
        wait_gone(pid)
        shutil.rmtree(base, ignore_errors=True)
