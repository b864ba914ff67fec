"""The newcomer's main job, timed: cold `mlstrata up` of examples/quickstart (3 environments x 2
layers, real Terraform + the local provider + MLflow), then a no-op `mlstrata plan` of all units,
and the CLI's overhead on one unit against plain `terraform plan` + `show -json` with the same CLI config.

    python benchmarks/quickstart_lifecycle.py [ROUNDS] [--unit-runs N]

Goals (issues 3 and 17): cold up < 60 s, no-op plan < 10 s, one-unit plan within 15 % of Terraform's own
plan + show. Medians of ROUNDS (default 3); per round, N (default 3) interleaved triples on one unit:
`mlstrata plan` (the tree stamped at render: the spec is not read), the same with the render stamp removed
first (the full path: spec loaded, tree rendered and compared), and Terraform run directly. The machine is
shared and noisy: compare figures taken in the same run, CPU (user+sys of the process tree) under load.

`mlstrata plan` serves the local provider once for the unit's plan and show (`mlstrata.engine.served`), where
Terraform run directly starts it four times; so the CPU of mlstrata's own process (Python: imports, the stamp,
the engine, the output) is shown apart too: that is what mlstrata adds around Terraform.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mlstrata.repo import STAMP

ALL_ENVS = ("--env", "dev", "--env", "staging", "--env", "prod")  # prod is protected: named

REPO = Path(__file__).resolve().parents[1]


def run(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds user+sys of the process and the children it waited for: Terraform's
    providers included). On a busy machine, CPU is the figure to compare."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    errors = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{errors.decode(errors='replace')}")
    return elapsed, usage.ru_utime + usage.ru_stime


def own_cpu(argv: list[str], cwd: Path, env: dict[str, str], out: Path) -> float:
    """CPU seconds (user+sys) of the `python -m mlstrata ...` process itself, its children left out."""
    launcher = ("import atexit, pathlib, resource, runpy, sys\n"
                "def _own():\n    r = resource.getrusage(resource.RUSAGE_SELF)\n"
                f"    pathlib.Path({str(out)!r}).write_text(str(r.ru_utime + r.ru_stime))\n"
                "atexit.register(_own)\n"
                f"sys.argv = ['mlstrata', *{argv[3:]!r}]\n"
                "runpy.run_module('mlstrata', run_name='__main__')\n")
    run([argv[0], "-c", launcher], cwd, env)
    return float(out.read_text())


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    return run(argv, cwd, env)[0]


def main(rounds: int, unit_runs: int) -> None:
    mlstrata = [sys.executable, "-m", "mlstrata"]
    load_before = os.getloadavg()[0]
    terraform = shutil.which("terraform")
    cold: list[float] = []
    noop: list[float] = []
    via_cli: list[tuple[float, float]] = []
    full_path: list[tuple[float, float]] = []
    direct: list[tuple[float, float]] = []
    own: list[float] = []
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
                one_unit = [*mlstrata, "plan", "--env", "dev", "--layer", "base", "--terraform", terraform]
                for _ in range(unit_runs):  # interleave: CLI (binary runner) vs the same binary run directly
                    via_cli.append(run(one_unit, root, env))
                    own.append(own_cpu(one_unit, root, env, root / "own-cpu.txt"))
                    (root / "infra" / STAMP).unlink(missing_ok=True)
                    full_path.append(run(one_unit, root, env))  # stamps the tree again
                    plan = run([terraform, "plan", "-out", "tfplan.bench", "-input=false"], unit, tf_env)
                    show = run([terraform, "show", "-json", "tfplan.bench"], unit, tf_env)
                    direct.append((plan[0] + show[0], plan[1] + show[1]))
    med = statistics.median
    print(f"cold up (3 envs x 2 layers):      {med(cold):6.1f} s   (goal < 60 s; runs {[round(x, 1) for x in cold]})")
    print(f"no-op plan of all 6 units:        {med(noop):6.1f} s   (goal < 10 s; runs {[round(x, 1) for x in noop]})")
    if via_cli:
        for i, what in ((0, "wall"), (1, "CPU")):
            cli, full, raw = (med(x[i] for x in runs) for runs in (via_cli, full_path, direct))
            print(f"one unit, mlstrata plan ({what}):                 {cli:6.2f} s")
            print(f"one unit, mlstrata plan, no render stamp ({what}): {full:6.2f} s")
            print(f"one unit, terraform plan + show ({what}):         {raw:6.2f} s")
            print(f"ratio mlstrata / terraform ({what}):              {cli / raw:6.2f}x  (goal <= 1.15x)")
            print(f"ratio without the stamp ({what}):                 {full / raw:6.2f}x")
        print(f"one unit, mlstrata's own process (CPU, its children left out): {med(own):6.2f} s")
        print(f"{len(via_cli)} interleaved triples; load average {load_before:.1f} before, "
              f"{os.getloadavg()[0]:.1f} after")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rounds", type=int, nargs="?", default=3)
    parser.add_argument("--unit-runs", type=int, default=3, help="Interleaved one-unit triples per round.")
    args = parser.parse_args()
    main(args.rounds, args.unit_runs)
