"""Issue 16 on the local target, end to end with real Terraform, real MLflow and real Feast: the quickstart's
serving endpoint and feature store come up with `mlstrata up`; a model version registered afterwards (a release)
is served on the next apply and scores a request; features applied and materialised by Feast are read online;
a hand-edited feature_store.yaml is drift; destroy stops the live server by its pid and removes both. About
5 minutes on a busy 2-core machine (MLflow and Feast each take tens of seconds to import)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest
from support.cli import CliResult
from support.cli import mlstrata as run_cli

from mlstrata.provider.store.serving import process_start

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.slow

REGISTER = """
import sys
import mlflow
import numpy as np
from sklearn.linear_model import LogisticRegression

mlflow.set_tracking_uri(sys.argv[1])
X = np.array([[0.0, 1.0], [1.0, 0.0], [0.2, 0.9], [0.9, 0.1]])
y = np.array([0, 1, 0, 1])
with mlflow.start_run():
    mlflow.sklearn.log_model(LogisticRegression().fit(X, y), name="model", registered_model_name="fraud-detector")
"""

FEATURES = """
from datetime import timedelta

from feast import Entity, FeatureView, Field, FileSource
from feast.types import Float32, Int64

card = Entity(name="card", join_keys=["card_id"])
card_stats = FeatureView(
    name="card_stats",
    entities=[card],
    ttl=timedelta(days=3650),
    schema=[Field(name="txn_count_7d", dtype=Int64), Field(name="avg_amount_7d", dtype=Float32)],
    source=FileSource(path={parquet!r}, timestamp_field="event_timestamp"),
)
"""

ONLINE = """
import json
import sys
from datetime import datetime, timezone

import pandas as pd
from feast import FeatureStore

store = FeatureStore(repo_path=sys.argv[1])
store.materialize(start_date=datetime(2020, 1, 1, tzinfo=timezone.utc), end_date=datetime.now(timezone.utc))
rows = store.get_online_features(features=["card_stats:txn_count_7d", "card_stats:avg_amount_7d"],
                                 entity_rows=[{"card_id": 1}, {"card_id": 2}]).to_dict()
print(json.dumps(rows))
"""


def _python(script: str, *args: str, cwd: Path) -> str:
    proc = subprocess.run([sys.executable, "-c", script, *args], cwd=cwd, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def _score(url: str) -> object:
    request = urllib.request.Request(f"{url}/invocations", data=json.dumps({"inputs": [[0.0, 1.0], [1.0, 0.0]]})
                                     .encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


def _stop(pid: int, started: int) -> None:
    """Stop a server this test had started (through `up`), if that pid is still that server."""
    if pid and started and process_start(pid) == started:
        os.killpg(pid, signal.SIGKILL)
        deadline = time.monotonic() + 120
        while process_start(pid) == started and time.monotonic() < deadline:
            time.sleep(0.2)


def test_quickstart_serves_a_registered_model_and_reads_features_online(tmp_path: Path) -> None:
    shutil.copy(REPO / "examples" / "quickstart" / "platform.yaml", tmp_path / "platform.yaml")
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg"), "NO_COLOR": "1", "COLUMNS": "200"}
    env.pop("MLSTRATA_TERRAFORM", None)
    platform = tmp_path / "infra" / ".mlstrata" / "platform" / "dev"

    def cli(*args: str) -> CliResult:
        return run_cli(*args, cwd=tmp_path, env=env, process=True)

    def outputs(layer: str) -> dict[str, object]:
        proc = cli("output", "--env", "dev", "--layer", layer, "--format", "json")
        assert proc.returncode == 0, proc.stderr
        (unit,) = json.loads(proc.stdout)["units"]
        return {name: o["value"] for name, o in unit["outputs"].items()}

    up = cli("up", "--env", "dev", "--yes")
    assert up.returncode == 0, up.stdout + up.stderr
    values = outputs("platform")
    # no version registered yet: the endpoint waits, and that is no drift
    assert values["serving_endpoint_fraud_api_status"] == "waiting for a model version"
    assert values["serving_endpoint_fraud_api_url"] == ""
    assert cli("drift", "--env", "dev").returncode == 0

    # a release registers a version: the endpoint reads as not running, the next apply serves it
    _python(REGISTER, str(outputs("base")["registry_tracking_uri"]), cwd=tmp_path)
    drift = cli("drift", "--env", "dev", "--format", "json")
    assert drift.returncode == 2, drift.stdout + drift.stderr
    assert "mlstrata_serving_endpoint" in drift.stdout
    record = platform / "serving" / "quickstart-dev-fraud-api" / "endpoint.json"
    pid, started = 0, 0
    try:
        up = cli("up", "--env", "dev", "--yes")
        assert up.returncode == 0, up.stdout + up.stderr
        server = json.loads(record.read_text())
        pid, started = int(server["pid"]), int(server["pid_start"])
        values = outputs("platform")
        assert values["serving_endpoint_fraud_api_status"] == "serving"
        assert values["serving_endpoint_fraud_api_model_uri"] == "models:/fraud-detector/1"
        url = str(values["serving_endpoint_fraud_api_url"])
        assert url.startswith("http://127.0.0.1:")
        assert _score(url) == {"predictions": [0, 1]}
        plan = cli("plan", "--env", "dev", "--format", "json")
        assert plan.returncode == 0 and {u["status"] for u in json.loads(plan.stdout)["units"]} == {"no-changes"}

        # Feast: definitions and data are a release; `feast apply` and an online read work in the repository
        repo = Path(str(values["feature_store_repo_path"]))
        parquet = repo / "data" / "offline" / "card_stats.parquet"
        _python("import sys, pandas as pd\npd.DataFrame({'card_id': [1, 2], 'txn_count_7d': [5, 9], "
                "'avg_amount_7d': [12.5, 80.0], 'event_timestamp': [pd.Timestamp('2026-01-02', tz='UTC')] * 2})"
                ".to_parquet(sys.argv[1])", str(parquet), cwd=tmp_path)
        (repo / "features.py").write_text(textwrap.dedent(FEATURES.format(parquet=str(parquet))))
        apply = subprocess.run([str(BIN / "feast"), "apply"], cwd=repo, capture_output=True, text=True, check=False)
        assert apply.returncode == 0, apply.stdout + apply.stderr
        assert "Created feature view card_stats" in apply.stdout
        rows = json.loads(_python(ONLINE, str(repo), cwd=tmp_path).strip().splitlines()[-1])
        assert rows == {"card_id": [1, 2], "txn_count_7d": [5, 9], "avg_amount_7d": [12.5, 80.0]}

        # a hand change: the store's configuration edited (a server gone is drift too: the store test shows it)
        config = repo / "feature_store.yaml"
        config.write_text(config.read_text().replace("path: data/online_store.db", "path: /tmp/elsewhere.db"))
        drift = cli("drift", "--env", "dev", "--format", "json")
        assert drift.returncode == 2, drift.stdout + drift.stderr
        changed = {r["address"] for r in json.loads(drift.stdout)["resources"]}
        assert changed == {"module.feature_store.mlstrata_feature_store.this"}, drift.stdout
        assert process_start(pid) == started and _score(url) == {"predictions": [0, 1]}

        # destroy stops the live server by its pid and removes both
        destroy = cli("destroy", "--env", "dev", "--yes")
        assert destroy.returncode == 0, destroy.stdout + destroy.stderr
        assert process_start(pid) != started, "destroy left the server running"
        assert not (platform / "serving" / "quickstart-dev-fraud-api").exists()
        assert not repo.exists()
    finally:
        _stop(pid, started)
