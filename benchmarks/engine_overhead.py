"""Engine overhead against running Terraform directly on the same unit, for both runners.

    python benchmarks/engine_overhead.py [N]

A unit of 20 `terraform_data` resources: a no-op plan
(direct: `plan -out` + `show -json`, which is what the engine's plan runs) and the apply of a
saved plan that updates all 20; medians of N interleaved rounds. Also Terraform's start-up cost
(`version`). Timings on a shared machine are noisy: compare within one run.
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

from mlstrata.engine import (
    BinaryTerraform,
    EmbeddedTerraform,
    Engine,
    EngineSettings,
    Runner,
    Status,
    Unit,
    apply_unit,
    plan_unit,
)
from mlstrata.engine.cliconfig import terraform_environ, write_cli_config

RESOURCES = 20
TF = 'terraform {\n  backend "local" {}\n}\nvariable "name" {\n  type    = string\n  default = "a"\n}\n' + "".join(
    f'resource "terraform_data" "r{i}" {{\n  input = "${{var.name}}-{i}"\n}}\n' for i in range(RESOURCES)
)
COMMON = ["-input=false", "-no-color", "-lock-timeout=30s"]


class Direct:
    """Runs Terraform on a unit the way a user would, from an empty folder."""

    def __init__(self, runner: Runner, unit: Path, cwd: Path, env: dict[str, str]) -> None:
        self.runner, self.unit, self.cwd, self.env = runner, unit, cwd, env

    def __call__(self, *args: str, out: Path | None = None) -> float:
        argv = self.runner.command([f"-chdir={self.unit}", *args])
        t0 = time.perf_counter()
        with open(out or os.devnull, "wb") as f:
            proc = subprocess.run(argv, cwd=self.cwd, env=self.env, stdout=f, stderr=subprocess.PIPE)
        took = time.perf_counter() - t0
        if proc.returncode not in (0, 2):
            raise SystemExit(proc.stderr.decode())
        return took


def timed(fn: object, *args: object) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = fn(*args)  # type: ignore[operator]
    return time.perf_counter() - t0, result


def measure(runner: Runner, root: Path, rounds: int) -> dict[str, float]:
    cwd = root / "cwd"
    cwd.mkdir(exist_ok=True)
    env = terraform_environ(write_cli_config(root / "tfrc", [], plugin_cache_dir=root / "cache"))
    eng_dir, direct_dir = root / runner.kind / "engine", root / runner.kind / "direct"
    for d in (eng_dir, direct_dir):
        d.mkdir(parents=True)
        (d / "main.tf").write_text(TF)
    unit = Unit("dev", "base", eng_dir, backend_config={"path": str(eng_dir / "s.tfstate")})
    direct = Direct(runner, direct_dir, cwd, env)
    plan_file = str(direct_dir / "p")
    times: dict[str, list[float]] = {k: [] for k in ("version", "d_plan", "d_show", "e_plan", "d_apply", "e_apply")}
    with Engine(runner, EngineSettings(plugin_cache_dir=root / "cache")) as engine:
        direct("init", "-input=false", f"-backend-config=path={direct_dir / 's.tfstate'}")
        direct("apply", "-auto-approve", "-input=false")
        assert plan_unit(engine, unit).ok and apply_unit(engine, unit).ok
        for i in range(rounds):
            times["version"].append(direct("version"))
            times["d_plan"].append(direct("plan", "-json", *COMMON, "-detailed-exitcode", f"-out={plan_file}"))
            times["d_show"].append(direct("show", "-json", plan_file, out=root / "show.json"))
            took, result = timed(plan_unit, engine, unit)
            assert getattr(result, "status", None) is Status.NO_CHANGES
            times["e_plan"].append(took)
            for d in (eng_dir, direct_dir):
                (d / "terraform.tfvars").write_text(f'name = "{"b" if i % 2 == 0 else "a"}"\n')
            direct("plan", "-json", *COMMON, f"-out={plan_file}")
            times["d_apply"].append(direct("apply", "-json", *COMMON, plan_file))
            assert plan_unit(engine, unit).status is Status.CHANGES
            took, result = timed(apply_unit, engine, unit)
            assert getattr(result, "ok", False)
            times["e_apply"].append(took)
    med = {k: statistics.median(v) for k, v in times.items()}
    med["d_plan_show"] = med["d_plan"] + med["d_show"]
    return med


def main(argv: list[str]) -> int:
    rounds = int(argv[1]) if len(argv) > 1 else 7
    root = Path(tempfile.mkdtemp(prefix="bench-engine-"))
    try:
        print(f"{RESOURCES} terraform_data resources; medians of {rounds} rounds; seconds")
        print(
            f"{'runner':<9}{'start':>7}{'plan+show':>11}{'engine plan':>13}{'diff':>8}"
            f"{'apply':>8}{'engine apply':>14}{'diff':>8}"
        )
        runners: list[Runner] = [EmbeddedTerraform()]
        if shutil.which("terraform"):
            runners.insert(0, BinaryTerraform(str(shutil.which("terraform"))))
        for runner in runners:
            m = measure(runner, root, rounds)
            plan_diff = 100 * (m["e_plan"] - m["d_plan_show"]) / m["d_plan_show"]
            apply_diff = 100 * (m["e_apply"] - m["d_apply"]) / m["d_apply"]
            print(
                f"{runner.kind:<9}{m['version']:>7.3f}{m['d_plan_show']:>11.3f}{m['e_plan']:>13.3f}"
                f"{plan_diff:>+7.1f}%{m['d_apply']:>8.3f}{m['e_apply']:>14.3f}{apply_diff:>+7.1f}%"
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
