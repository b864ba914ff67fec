"""`mlstrata check` against checkov 3.3 on the same generated corpus, in the same run.

    python benchmarks/check_vs_checkov.py [--repos 36] [--corpus DIR] [--runs 3] [--checkov PATH] [--json OUT]

Generates the corpus with benchmarks/check_corpus.py (or uses --corpus), then times:
  * mlstrata check with 1 worker process and with one per core (median of --runs), and
  * checkov -d CORPUS --framework terraform (once: it takes minutes), offline.
Peak memory is the largest sum of resident memory over the process and all its descendants, sampled
every 10 ms from /proc (workers count), next to the largest single process (wait4's ru_maxrss).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_corpus import generate

RUNNER = (
    "import typer; from mlstrata.cli import check; app = typer.Typer(); check.register(app); "
    "app.command('_')(lambda: None); app()"
)


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree(pid: int) -> list[int]:
    out = [pid]
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                for child in fh.read().split():
                    out += _tree(int(child))
    except OSError:
        pass
    return out


def measure(cmd: list[str], env: dict[str, str] | None = None, timeout: float = 1800) -> dict[str, float]:
    """Wall seconds, peak tree RSS (MiB) and peak single-process RSS (MiB) of one command."""
    peak = 0
    done = threading.Event()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, sum(_rss_kb(p) for p in _tree(proc.pid)))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    deadline = start + timeout
    status, usage = 0, None
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            raise TimeoutError(" ".join(cmd))
        time.sleep(0.005)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{cmd[0]} exited {proc.returncode}: {err[-2000:]}")
    # CPU of the process and every descendant it waited for (check's workers are joined): comparable under load
    cpu = usage.ru_utime + usage.ru_stime
    return {"wall_s": wall, "cpu_s": cpu, "peak_tree_mib": peak / 1024, "peak_process_mib": usage.ru_maxrss / 1024}


def mlstrata_cmd(corpus: Path, out: Path, jobs: int) -> list[str]:
    return [
        sys.executable,
        "-c",
        RUNNER,
        "check",
        str(corpus),
        "--format",
        "json",
        "-o",
        str(out),
        "--fail-on",
        "never",
        "--no-spec",
        "--jobs",
        str(jobs),
    ]


def checkov_cmd(checkov: str, corpus: Path) -> list[str]:
    return [
        checkov,
        "-d",
        str(corpus),
        "--framework",
        "terraform",
        "-o",
        "json",
        "--quiet",
        "--compact",
        "--download-external-modules",
        "false",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repos", type=int, default=36)
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--checkov", default=os.environ.get("MLSTRATA_CHECKOV", "/work/.venv-checkov/bin/checkov")
    )
    parser.add_argument("--skip-checkov", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = args.corpus or Path(tmp) / "corpus"
        if args.corpus is None:
            generate(corpus, args.repos)
        files = [p for p in corpus.rglob("*") if p.suffix in (".tf", ".tfvars")]
        size = sum(p.stat().st_size for p in files)
        tf_files = sum(1 for p in files if p.suffix == ".tf")
        print(f"corpus: {len(files)} files ({tf_files} .tf), {size / 1e6:.2f} MB, {os.cpu_count()} cores")
        results: dict[str, object] = {
            "files": len(files),
            "tf_files": tf_files,
            "bytes": size,
            "cores": os.cpu_count(),
        }
        report = Path(tmp) / "report.json"
        for jobs in (1, os.cpu_count() or 1):
            runs = [measure(mlstrata_cmd(corpus, report, jobs)) for _ in range(args.runs)]
            best = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            results[f"mlstrata_jobs{jobs}"] = best
            print(
                f"mlstrata check --jobs {jobs}: {best['wall_s']:.2f} s (median of {args.runs}), "
                f"peak {best['peak_tree_mib']:.0f} MiB (largest process {best['peak_process_mib']:.0f} MiB)"
            )
        findings = json.loads(report.read_text())["summary"]
        results["mlstrata_findings"] = findings
        if not args.skip_checkov:
            env = {
                **os.environ,
                "HTTPS_PROXY": "http://127.0.0.1:9",
                "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true",
                "TF_CLI_CONFIG_FILE": os.devnull,
            }
            env.pop("BC_API_KEY", None)
            ck = measure(checkov_cmd(args.checkov, corpus), env=env)
            results["checkov"] = ck
            fastest = min(results[k]["wall_s"] for k in results if k.startswith("mlstrata_jobs"))  # type: ignore[index]
            results["speedup"] = ck["wall_s"] / fastest
            print(
                f"checkov 3.3: {ck['wall_s']:.1f} s, peak {ck['peak_tree_mib']:.0f} MiB "
                f"(largest process {ck['peak_process_mib']:.0f} MiB)"
            )
            print(f"mlstrata is {results['speedup']:.0f}x faster")
        if args.json:
            args.json.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
