"""Drift over every unit of the quickstart (3 environments x 2 layers, no drift), timed: parallel against
sequential (`parallelism=1`) in the same run, and the overhead against raw `terraform plan -refresh-only`
(+ `show -json`, which drift needs too) on each unit with the same binary and CLI config.

    python benchmarks/drift_parallel.py [ROUNDS] [PARALLEL]

Goal (issue 5): parallel <= 0.6x sequential on 2 cores. Medians of ROUNDS (default 3), interleaved;
the machine is shared and noisy, so compare figures taken in the same run. Timings go through the
library (`refresh_all` + `analyze`), so they leave out the CLI's Python start-up.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mlstrata.drift.report import analyze
from mlstrata.engine import BinaryTerraform, Engine, EngineSettings, refresh_all
from mlstrata.spec.load import load_spec
from mlstrata.targets.registry import TARGETS
from mlstrata.workspace import Workspace, open_workspace

ALL_ENVS = ("--env", "dev", "--env", "staging", "--env", "prod")  # prod is protected: named

REPO = Path(__file__).resolve().parents[1]


def drift_once(ws: Workspace, terraform: str, parallel: int) -> float:
    settings = EngineSettings(parallelism=parallel, cli_config_blocks=ws.cli_config_blocks, plugin_cache=False)
    start = time.perf_counter()
    with Engine(BinaryTerraform(terraform), settings) as engine:
        run = refresh_all(engine, ws.units, json_when_clean=False)  # what `mlstrata drift` runs
    report = analyze(run, ws.spec.platform.drift.allow, [], "bench")
    elapsed = time.perf_counter() - start
    if report.exit_code != 0:
        raise SystemExit(f"expected no drift: {report.to_dict()}")
    return elapsed


def raw_once(ws: Workspace, terraform: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    for unit in ws.units:
        # raw `terraform plan -refresh-only` per unit: what a hand-written drift check would run
        for argv in ([terraform, "plan", "-refresh-only", "-detailed-exitcode", "-input=false", "-no-color",
                      "-out=bench.tfplan"],):
            proc = subprocess.run(argv, cwd=unit.path, env=env, capture_output=True, check=False)
            if proc.returncode not in (0, 2):
                raise SystemExit(f"{argv} failed in {unit.id}: {proc.stderr.decode()}")
        (unit.path / "bench.tfplan").unlink()
    return time.perf_counter() - start


def main(rounds: int, parallel: int) -> None:
    terraform = shutil.which("terraform")
    if terraform is None:
        raise SystemExit("needs a terraform binary on PATH")
    with tempfile.TemporaryDirectory(prefix="mlstrata-bench-drift-") as tmp:
        root = Path(tmp)
        shutil.copy(REPO / "examples" / "quickstart" / "platform.yaml", root / "platform.yaml")
        os.environ["XDG_DATA_HOME"] = str(root / "xdg")
        env = {**os.environ}
        up = subprocess.run([sys.executable, "-m", "mlstrata", "up", "--yes", *ALL_ENVS, "--terraform", terraform],
                            cwd=root, env=env, capture_output=True, text=True, check=False)
        if up.returncode != 0:
            raise SystemExit(up.stdout + up.stderr)
        ws, diags = open_workspace(load_spec(root / "platform.yaml", targets=TARGETS), root / "infra", None, None)
        assert ws is not None, diags
        tf_env = {**env, "TF_CLI_CONFIG_FILE": str(root / "infra" / ".mlstrata" / "terraform.tfrc")}
        drift_once(ws, terraform, parallel)  # warm-up: init is done, caches are hot
        par, seq, raw = [], [], []
        for _ in range(rounds):
            par.append(drift_once(ws, terraform, parallel))
            seq.append(drift_once(ws, terraform, 1))
            raw.append(raw_once(ws, terraform, tf_env))
    med = statistics.median
    print(f"units: {len(ws.units)}; cores: {os.cpu_count()}; terraform: {terraform}")
    print(f"drift, parallel ({parallel}):        {med(par):6.2f} s   (runs {[round(x, 2) for x in par]})")
    print(f"drift, sequential (1):       {med(seq):6.2f} s   (runs {[round(x, 2) for x in seq]})")
    print(f"ratio parallel / sequential: {med(par) / med(seq):6.2f}x  (goal <= 0.6x)")
    print(f"raw terraform plan -refresh-only, sequential: {med(raw):6.2f} s "
          f"(runs {[round(x, 2) for x in raw]})")
    print(f"overhead drift sequential / raw: {med(seq) / med(raw):6.2f}x "
          f"({(med(seq) - med(raw)) / len(ws.units) * 1000:+.0f} ms per unit)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3, int(sys.argv[2]) if len(sys.argv) > 2 else 6)
