"""`mlstrata check` on real public Terraform, beside the parser's floor, checkov and trivy, in one run.

The corpus is built at benchmark time from git snapshots of public module repositories (the `.tf` and
`.tfvars` files of each one's HEAD, nothing else); no third-party code is committed here. A snapshot is
a git directory at MIRRORS/<owner>+<name>/repo (or repo/.git), as a `git clone --mirror` or the
workplace's fetch leaves it; one that is missing is named, with the clone command that would supply it.

    python benchmarks/check_realworld.py [--mirrors /work/.mirror] [--corpus DIR] [--runs 5] [--baseline REF]
        [--checkov PATH] [--trivy PATH] [--skip-checkov] [--skip-trivy] [--json OUT]

Times, each a whole process (wall; CPU = user + sys of the process and its workers; peak resident memory of
the process tree, workers included):
  * floor: tree-sitter parsing every file in one process (no walk, no rules), median of --runs;
  * mlstrata check --format json --no-spec (as users run it, `python -m mlstrata`), median of --runs;
  * with --baseline REF: the same check from git revision REF of this repository (its src/ exported to a
    temporary folder), interleaved with the others, and whether its report is the same;
  * checkov -d CORPUS --framework terraform, offline, once (minutes);
  * trivy config CORPUS, offline, once.
Ratios are taken within this run, so a busy machine slows all alike. On a busy machine wall times say little:
compare CPU, and read the load average printed beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_vs_checkov import checkov_cmd, measure

REPOS = (
    "terraform-aws-modules/terraform-aws-rds",
    "terraform-aws-modules/terraform-aws-iam",
    "terraform-aws-modules/terraform-aws-alb",
    "terraform-aws-modules/terraform-aws-eks-pod-identity",
    "terraform-aws-modules/terraform-aws-eks",
    "cloudposse/terraform-aws-eks-cluster",
    "terraform-google-modules/terraform-google-network",
    "terraform-google-modules/terraform-google-sql-db",
    "terraform-google-modules/terraform-google-kubernetes-engine",
    "Azure/terraform-azurerm-aks",
    "awslabs/data-on-eks",
)
SUFFIXES = (".tf", ".tfvars")

# tree-sitter over every file, as the floor: what parsing alone costs in one process
PARSE_FLOOR = (
    "import sys, pathlib, tree_sitter, tree_sitter_hcl\n"
    "parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language()))\n"
    "files = [p for p in pathlib.Path(sys.argv[1]).rglob('*') if p.suffix in ('.tf', '.tfvars')]\n"
    "errors = sum(parser.parse(p.read_bytes()).root_node.has_error for p in files)\n"
    "print(len(files), errors)\n"
)


def git_dir(mirrors: Path, repo: str) -> Path | None:
    base = mirrors / repo.replace("/", "+") / "repo"
    for candidate in (base / ".git", base):
        if (candidate / "HEAD").is_file() and (candidate / "objects").is_dir():
            return candidate
    return None


def build_corpus(mirrors: Path, repos: tuple[str, ...], out: Path) -> dict[str, str]:
    """Write each repository's Terraform files to OUT/<owner>+<name>/...; the HEAD commit of each."""
    missing = [r for r in repos if git_dir(mirrors, r) is None]
    if missing:
        clones = "\n".join(f"  git clone --mirror https://github.com/{r} {mirrors}/{r.replace('/', '+')}/repo"
                           for r in missing)
        raise SystemExit(f"no snapshot under {mirrors} of:\n{clones}")
    heads = {}
    for repo in repos:
        gd = git_dir(mirrors, repo)
        assert gd is not None
        heads[repo] = subprocess.run(["git", "--git-dir", str(gd), "rev-parse", "HEAD"], capture_output=True,
                                     text=True, check=True).stdout.strip()
        # blobs by path from the tree, not `git archive`: a snapshot may lack large blobs (zips) we do not need
        listing = subprocess.run(["git", "--git-dir", str(gd), "ls-tree", "-r", "-z", "HEAD"], capture_output=True,
                                 check=True).stdout.decode()
        wanted = []
        for entry in filter(None, listing.split("\0")):
            meta, path = entry.split("\t", 1)
            mode, kind, sha = meta.split()
            if kind == "blob" and mode != "120000" and path.endswith(SUFFIXES) and ".." not in path.split("/"):
                wanted.append((sha, path))
        blobs = subprocess.run(["git", "--git-dir", str(gd), "cat-file", "--batch"], capture_output=True, check=True,
                               input="".join(f"{sha}\n" for sha, _ in wanted).encode()).stdout
        target, offset = out / repo.replace("/", "+"), 0
        for _, path in wanted:
            header_end = blobs.index(b"\n", offset)
            size = int(blobs[offset:header_end].split()[2])
            dest = target / path
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(blobs[header_end + 1:header_end + 1 + size])
            offset = header_end + 1 + size + 1
    return heads


def export_src(ref: str, out: Path) -> Path:
    """src/ of this repository at git revision REF, written under OUT (for an A/B run in one process tree)."""
    repo = Path(__file__).resolve().parents[1]
    archive = subprocess.run(["git", "-C", str(repo), "archive", ref, "src"], capture_output=True, check=True).stdout
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-x", "-C", str(out)], input=archive, check=True)
    return out / "src"


def mlstrata_cmd(corpus: Path, report: Path) -> list[str]:
    return [sys.executable, "-m", "mlstrata", "check", str(corpus), "--format", "json", "-o", str(report),
            "--fail-on", "never", "--no-spec"]


def offline_env() -> dict[str, str]:
    """Network calls fail at once (a dead loopback proxy); no update checks."""
    env = {**os.environ, "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9",
           "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "TF_CLI_CONFIG_FILE": os.devnull}
    env.pop("BC_API_KEY", None)
    return env


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]} | {
        "min_wall_s": min(r["wall_s"] for r in runs), "max_wall_s": max(r["wall_s"] for r in runs)}


def compare(name: str, cmd: list[str], env: dict[str, str], check_wall: float, timeout: float) -> dict[str, object]:
    """One run of another scanner beside `check`'s median wall; past `timeout`, a lower bound on the ratio."""
    try:
        other = measure(cmd, env=env, timeout=timeout)
    except TimeoutError:
        print(f"{name}: did not finish in {timeout:.0f} s: mlstrata is more than {timeout / check_wall:.0f}x faster")
        return {"timed_out_after_s": timeout, "ratio_at_least": timeout / check_wall}
    print(f"{name}: {other['wall_s']:.1f} s, peak {other['peak_tree_mib']:.0f} MiB: "
          f"mlstrata is {other['wall_s'] / check_wall:.0f}x faster")
    return other | {"ratio": other["wall_s"] / check_wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mirrors", type=Path, default=Path(os.environ.get("MLSTRATA_MIRRORS", "/work/.mirror")))
    parser.add_argument("--repos", nargs="+", default=list(REPOS), help="owner/name ... (default: the list above)")
    parser.add_argument("--corpus", type=Path, help="Build the corpus here and keep it.")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline", metavar="REF", help="Also time check at this git revision (A/B, interleaved).")
    parser.add_argument("--checkov", default=os.environ.get("MLSTRATA_CHECKOV") or shutil.which("checkov"))
    parser.add_argument("--trivy", default=os.environ.get("MLSTRATA_TRIVY") or shutil.which("trivy"))
    parser.add_argument("--skip-checkov", action="store_true")
    parser.add_argument("--skip-trivy", action="store_true")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--timeout", type=float, default=3 * 3600,
                        help="Bound on trivy and on checkov, each (seconds); a run past it is reported as such.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = args.corpus or Path(tmp) / "corpus"
        heads = build_corpus(args.mirrors, tuple(args.repos), corpus)
        files = [p for p in corpus.rglob("*") if p.suffix in SUFFIXES]
        size = sum(p.stat().st_size for p in files)
        lines = sum(p.read_bytes().count(b"\n") for p in files)
        print(f"corpus: {len(heads)} repositories, {len(files)} files, {size / 1e6:.2f} MB, {lines:,} lines; "
              f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the start")
        for repo, head in heads.items():
            print(f"  {repo} @ {head[:12]}")
        results: dict[str, object] = {"repositories": heads, "files": len(files), "bytes": size, "lines": lines,
                                      "cores": os.cpu_count(), "load_start": os.getloadavg()[0]}
        report, base_report = Path(tmp) / "report.json", Path(tmp) / "baseline.json"
        base_env = None
        if args.baseline:
            base_env = {**os.environ, "PYTHONPATH": str(export_src(args.baseline, Path(tmp) / "baseline"))}
        floor_runs, check_runs, base_runs = [], [], []
        for _ in range(args.runs):  # interleaved, so drift in the machine's speed hits all alike
            floor_runs.append(measure([sys.executable, "-c", PARSE_FLOOR, str(corpus)]))
            check_runs.append(measure(mlstrata_cmd(corpus, report)))
            if base_env is not None:
                base_runs.append(measure(mlstrata_cmd(corpus, base_report), env=base_env))
        floor, check = median_of(floor_runs), median_of(check_runs)
        summary = json.loads(report.read_text())["summary"]
        results |= {"parse_floor": floor, "mlstrata": check, "mlstrata_findings": summary}
        print(f"tree-sitter parse (1 process): {floor['wall_s']:.2f} s wall median of {args.runs} "
              f"({floor['min_wall_s']:.2f}-{floor['max_wall_s']:.2f}), {floor['cpu_s']:.2f} s CPU, "
              f"peak {floor['peak_tree_mib']:.0f} MiB")
        print(f"mlstrata check: {check['wall_s']:.2f} s wall median of {args.runs} "
              f"({check['min_wall_s']:.2f}-{check['max_wall_s']:.2f}), {check['cpu_s']:.2f} s CPU, "
              f"peak {check['peak_tree_mib']:.0f} MiB (workers included; largest process "
              f"{check['peak_process_mib']:.0f} MiB), {check['wall_s'] / floor['wall_s']:.2f}x the parse floor's wall; "
              f"findings {summary}")
        if base_runs:
            base = median_of(base_runs)
            same = base_report.read_bytes() == report.read_bytes()
            results |= {"baseline": base | {"ref": args.baseline, "same_report": same}}
            print(f"mlstrata check at {args.baseline}: {base['wall_s']:.2f} s wall median, {base['cpu_s']:.2f} s CPU, "
                  f"peak {base['peak_tree_mib']:.0f} MiB; now/baseline: CPU {check['cpu_s'] / base['cpu_s']:.2f}x, "
                  f"wall {check['wall_s'] / base['wall_s']:.2f}x; reports {'identical' if same else 'DIFFERENT'}")
        if not args.skip_trivy and args.trivy:
            trivy_cmd = [args.trivy, "config", "--quiet", "--format", "json", "--output", str(Path(tmp) / "trivy.json"),
                         "--skip-check-update", str(corpus)]
            env = offline_env() | {"TRIVY_CACHE_DIR": str(Path(tmp) / "trivy-cache")}
            results["trivy"] = compare("trivy config", trivy_cmd, env, check["wall_s"], args.timeout)
        if not args.skip_checkov and args.checkov:
            results["checkov"] = compare("checkov", checkov_cmd(args.checkov, corpus), offline_env(), check["wall_s"],
                                         args.timeout)
        results["load_end"] = os.getloadavg()[0]
        print(f"load average {os.getloadavg()[0]:.2f} at the end")
        if args.json:
            args.json.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
