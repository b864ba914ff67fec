"""Fixtures for the provider's tests: a provider mirror + CLI config, Terraform units (PostgreSQL: the
session's `pg_server`)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from provider_harness import FAKE_SMI_NO_DEVICES, ProviderInstall, Unit, make_unit

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
