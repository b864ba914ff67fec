"""The provider writes the user's registries with MLflow as a library and sends nothing anywhere.

MLflow 3.2+ collects usage data by default: importing it starts a telemetry client (a thread that fetches MLflow's
remote configuration) unless MLFLOW_DISABLE_TELEMETRY or DO_NOT_TRACK opts out, and stays quiet on its own only in
CI or under pytest (https://mlflow.org/docs/latest/community/usage-tracking; `mlflow.telemetry.utils`). So these
checks run MLflow in a child process with those markers removed, as on a user's laptop.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
import sys
if sys.argv[1] == "provider":
    from mlstrata.provider.store import mlflow_api
    mlflow_api._module("mlflow.store.model_registry.sqlalchemy_store")
else:
    import mlflow.store.model_registry.sqlalchemy_store
from mlflow.telemetry.client import get_telemetry_client
print("client" if get_telemetry_client() is not None else "none")
"""


def _probe(how: str, home: Path, **extra: str) -> str:
    # a bare environment: none of the CI or test markers MLflow looks for, whatever this run has (a telemetry
    # client keeps an installation id under the home folder: a scratch one, not the user's)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
           **({"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else {}), **extra}
    done = subprocess.run([sys.executable, "-c", PROBE, how], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.slow
def test_the_provider_imports_mlflow_with_its_telemetry_off(tmp_path: Path) -> None:
    assert _probe("provider", tmp_path) == "none"


@pytest.mark.slow
def test_mlflow_imported_plainly_on_a_laptop_starts_its_telemetry(tmp_path: Path) -> None:
    # the control: without the provider's opt-out the probe sees a client, so the test above can fail
    assert _probe("plain", tmp_path) == "client"


@pytest.mark.slow
def test_a_users_explicit_choice_wins(tmp_path: Path) -> None:
    assert _probe("provider", tmp_path, MLFLOW_DISABLE_TELEMETRY="false") == "client"
