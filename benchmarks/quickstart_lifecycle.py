"""The newcomer's main job, timed: cold `mlstrata up` of examples/quickstart (3 environments x 2
layers, real Terraform + the local provider + MLflow), then a no-op `mlstrata plan` of all units,
and the CLI's overhead on one unit against plain `terraform plan` with the same CLI config.

    python benchmarks/quickstart_lifecycle.py [ROUNDS]

Goals (issue 3): cold up < 60 s, no-op plan < 10 s, overhead < 10 %. Medians of ROUNDS (default 3);
the machine is shared and noisy, so compare figures taken in the same run.
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

ALL_ENVS = ("--env", "dev", "--env", "staging", "--env", "prod")  # prod is protected: named

REPO = Path(__file__).resolve().parents[1]


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{proc.stdout}\n{proc.stderr}")
    return elapsed


def main(rounds: int) -> None:
    mlstrata = [sys.executable, "-m", "mlstrata"]
    terraform = shutil.which("terraform")
    cold, noop, via_cli, direct = [], [], [], []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory(prefix="mlstrata-bench-") as tmp:
            root = Path(tmp)
            shutil.copy(REPO / "examples" / "quickstart" / "platform.yaml", root / "platform.yaml")
            env = {**os.environ, "XDG_DATA_HOME": str(root / "xdg")}
            cold.append(timed([*mlstrata, "up", "--yes", *ALL_ENVS], root, env))
            noop.append(timed([*mlstrata, "plan"], root, env))
            if terraform:
                unit = root / "infra" / "live" / "dev" / "base"
                tf_env = {**env, "TF_CLI_CONFIG_FILE": str(root / "infra" / ".mlstrata" / "terraform.tfrc")}
                for _ in range(3):  # interleave: CLI (binary runner) vs the same binary run directly
                    via_cli.append(timed([*mlstrata, "plan", "--env", "dev", "--layer", "base",
                                          "--terraform", terraform], root, env))
                    direct.append(timed([terraform, "plan", "-out", "tfplan.bench", "-input=false"], unit, tf_env)
                                  + timed([terraform, "show", "-json", "tfplan.bench"], unit, tf_env))
    med = statistics.median
    print(f"cold up (3 envs x 2 layers):      {med(cold):6.1f} s   (goal < 60 s; runs {[round(x, 1) for x in cold]})")
    print(f"no-op plan of all 6 units:        {med(noop):6.1f} s   (goal < 10 s; runs {[round(x, 1) for x in noop]})")
    if via_cli:
        ratio = med(via_cli) / med(direct)
        print(f"one unit, mlstrata plan:          {med(via_cli):6.2f} s")
        print(f"one unit, terraform plan + show:  {med(direct):6.2f} s")
        print(f"ratio mlstrata / terraform:       {ratio:6.2f}x  (goal <= 1.10x)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
