"""Benchmark: how long each `mlstrata` command takes to start, beside the interpreter's own floor.

Each case is a fresh `python -m mlstrata ...` process; the cases run interleaved (one round runs every
case once) so that a machine whose speed drifts affects all alike. Per case: median and min wall time,
peak RSS (from wait4), the ratio of its median to `python -c pass` (the floor), and from one more run
under `python -X importtime` the total import time and the five most expensive top-level imports.

    python benchmarks/cli_startup.py [--runs 7] [--json FILE]

The cases that do work (`check` of one small file, `validate` of the bundled AWS example, `rules`) are
start-up dominated on purpose: what they add over `--help` is what their imports and set-up cost. `validate` of
a rendered quickstart replays the report its render stamp recorded (no spec load).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TF = 'resource "aws_s3_bucket" "models" {\n  bucket = "models"\n}\n'


def cases(tmp: Path) -> dict[str, list[str]]:
    (tmp / "main.tf").write_text(TF)
    mlstrata = [sys.executable, "-m", "mlstrata"]
    stamped = tmp / "quickstart" / "platform.yaml"  # rendered once: its render stamp lets validate replay its report
    stamped.parent.mkdir()
    stamped.write_text((REPO / "examples" / "quickstart" / "platform.yaml").read_text())
    subprocess.run([*mlstrata, "render", "--spec", str(stamped)], check=True, capture_output=True)
    return {
        "python -c pass (floor)": [sys.executable, "-c", "pass"],
        "mlstrata --help": [*mlstrata, "--help"],
        "mlstrata --version": [*mlstrata, "--version"],
        "mlstrata check --help": [*mlstrata, "check", "--help"],
        "mlstrata check (1 file, json)": [*mlstrata, "check", str(tmp), "--no-spec", "--format", "json"],
        "mlstrata check (1 file, human)": [*mlstrata, "check", str(tmp), "--no-spec"],
        "mlstrata validate (aws example)": [*mlstrata, "validate", "--spec",
                                            str(REPO / "examples" / "aws" / "platform.yaml")],
        "mlstrata validate (stamped quickstart)": [*mlstrata, "validate", "--spec", str(stamped)],
        "mlstrata rules": [*mlstrata, "rules"],
        "mlstrata review --help": [*mlstrata, "review", "--help"],
        "mlstrata plan --help": [*mlstrata, "plan", "--help"],
        "mlstrata apply --help": [*mlstrata, "apply", "--help"],
        "mlstrata drift --help": [*mlstrata, "drift", "--help"],
        "mlstrata validate --help": [*mlstrata, "validate", "--help"],
    }


def run_once(argv: list[str], cwd: Path) -> tuple[float, float, int, float]:
    """(wall seconds, peak RSS MiB, exit code, CPU seconds user+sys) of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "NO_COLOR": "1"})
    _, status, usage = os.wait4(proc.pid, 0)
    return (time.perf_counter() - start, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status),
            usage.ru_utime + usage.ru_stime)


def import_profile(argv: list[str], cwd: Path) -> tuple[float, int, list[tuple[str, float]]]:
    """(total import seconds, modules imported, the five costliest top-level imports) under -X importtime."""
    proc = subprocess.run([argv[0], "-X", "importtime", *argv[1:]], cwd=cwd, capture_output=True, text=True,
                          check=False, env={**os.environ, "NO_COLOR": "1"})
    total, count, top = 0, 0, []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        _, self_us, cumulative, name = (part.strip() for part in line.replace("import time:", "|", 1).split("|"))
        total += int(self_us)
        count += 1
        if not name.startswith(" ") and len(name) == len(name.lstrip()):
            top.append((name, int(cumulative) / 1e6))
    return total / 1e6, count, sorted(top, key=lambda t: -t[1])[:5]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", type=Path, help="Also write the figures here.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        todo = cases(work)
        walls: dict[str, list[float]] = {name: [] for name in todo}
        cpus: dict[str, list[float]] = {name: [] for name in todo}  # on a busy machine, CPU is the figure
        peaks: dict[str, float] = dict.fromkeys(todo, 0.0)
        codes: dict[str, int] = {}
        for argv in todo.values():  # warm-up: file cache, .pyc
            run_once(argv, work)
        for _ in range(args.runs):
            for name, argv in todo.items():
                wall, peak, code, cpu = run_once(argv, work)
                walls[name].append(wall)
                cpus[name].append(cpu)
                peaks[name] = max(peaks[name], peak)
                codes[name] = code
        floor = statistics.median(walls["python -c pass (floor)"])
        print(f"{args.runs} runs each, interleaved; load average {os.getloadavg()[0]:.2f} at the end")
        print(f"{'case':38} {'median':>8} {'min':>7} {'x floor':>8} {'cpu':>7} {'peak':>8} {'imports':>8} "
              f"{'modules':>7} exit")
        results = {}
        for name, argv in todo.items():
            imports, count, top = import_profile(argv, work)
            med = statistics.median(walls[name])
            cpu = statistics.median(cpus[name])
            results[name] = {"median_s": med, "min_s": min(walls[name]), "x_floor": med / floor, "cpu_s": cpu,
                             "peak_mib": peaks[name], "import_s": imports, "modules": count,
                             "exit": codes[name], "top_imports": top}
            print(f"{name:38} {med:7.3f}s {min(walls[name]):6.3f}s {med / floor:7.1f}x {cpu:6.3f}s "
                  f"{peaks[name]:6.0f}Mi {imports:7.3f}s {count:7} {codes[name]:4}")
            if top and name != "python -c pass (floor)":
                print("    costliest imports: " + ", ".join(f"{m} {s:.3f}s" for m, s in top))
        if args.json is not None:
            args.json.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
