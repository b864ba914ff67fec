"""Benchmark: `mlstrata review` on a ~20,000-resource, ~60 MB `terraform show -json` plan.

Goal (issue 17): under 1 s and under 500 MB peak memory (issue 4 asked for 3 s and 1 GB).
The plan is generated here (nothing is downloaded): AWS resource types the review checks (S3 buckets
and their settings, IAM policies and roles, EKS GPU node groups, RDS, KMS) among plain ones, every
action kind, realistic attribute sizes, ~1% drift and a configuration section with module calls.
Each run is a fresh `python -m mlstrata review` process, as users run it; wall time, CPU time
(user + sys) and peak RSS (from wait4) of the whole command are reported, median of --runs, with the
load average: on a busy machine compare CPU time, not wall time. `--compare SRC` runs another source tree
(e.g. a `git worktree` of an older commit's `src`) in the same rounds, alternating, for an A/B under the same load.

    .venv/bin/python benchmarks/review_large_plan.py [--resources 20000] [--runs 3] [--keep DIR] [--compare SRC]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ACTIONS = [["no-op"], ["update"], ["create"], ["delete"], ["delete", "create"], ["no-op"], ["no-op"],
           ["create", "delete"], ["update"], ["read"]]
TYPES = ["aws_s3_bucket", "aws_s3_bucket_versioning", "aws_s3_bucket_public_access_block", "aws_iam_policy",
         "aws_iam_role", "aws_eks_node_group", "aws_db_instance", "aws_kms_key", "aws_instance",
         "aws_security_group", "aws_route53_record", "aws_cloudwatch_log_group"]
MODULES = 40



def _policy(i: int, wide: bool) -> str:
    actions = ["s3:*"] if wide else [f"s3:{a}" for a in ("GetObject", "PutObject", "ListBucket", "DeleteObject")]
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": f"S{i}", "Effect": "Allow", "Action": actions,
         "Resource": ["*"] if wide else [f"arn:aws:s3:::bucket-{i}", f"arn:aws:s3:::bucket-{i}/*"]},
        {"Sid": "Logs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": f"arn:aws:logs:us-east-1:123456789012:log-group:/ml/{i}:*"}]}, sort_keys=True)


def _values(kind: str, i: int, side: str) -> dict[str, Any]:
    tags = {f"tag{k}": f"value-{i}-{k}-{side}" for k in range(14)}
    base: dict[str, Any] = {"id": f"{kind}-{i}", "arn": f"arn:aws:service:us-east-1:123456789012:{kind}/{i}",
                            "tags": tags, "tags_all": {**tags, "managed-by": "terraform"}}
    after = side == "after"
    if kind == "aws_s3_bucket":
        base.update(bucket=f"bucket-{i}", force_destroy=after and i % 7 == 0, versioning=[{"enabled": True}],
                    server_side_encryption_configuration=[{"rule": [{"apply_server_side_encryption_by_default": [
                        {"sse_algorithm": "aws:kms", "kms_master_key_id": f"alias/k{i}"}]}]}])
    elif kind == "aws_s3_bucket_versioning":
        status = "Suspended" if after and i % 5 == 0 else "Enabled"
        base.update(bucket=f"bucket-{i}", versioning_configuration=[{"status": status, "mfa_delete": ""}])
    elif kind == "aws_s3_bucket_public_access_block":
        base.update(bucket=f"bucket-{i}", block_public_acls=True, block_public_policy=not (after and i % 3 == 0),
                    ignore_public_acls=True, restrict_public_buckets=True)
    elif kind in ("aws_iam_policy", "aws_iam_role"):
        doc = _policy(i, after and i % 4 == 0)
        base.update(name=f"p{i}", path="/", description="pipeline access " * 4)
        base["policy" if kind == "aws_iam_policy" else "assume_role_policy"] = doc
    elif kind == "aws_eks_node_group":
        base.update(node_group_name=f"gpu-{i}", cluster_name="ml", instance_types=["g6.2xlarge"],
                    ami_type="AL2023_x86_64_NVIDIA", capacity_type="ON_DEMAND",
                    scaling_config=[{"min_size": 0, "max_size": 4 if after else 2, "desired_size": 1}],
                    labels={"workload": "training"}, taint=[{"key": "nvidia.com/gpu", "value": "true",
                                                             "effect": "NO_SCHEDULE"}])
    elif kind == "aws_db_instance":
        base.update(identifier=f"db-{i}", engine="postgres", deletion_protection=not after,
                    storage_encrypted=True, publicly_accessible=False, skip_final_snapshot=False, password="x")
    elif kind == "aws_kms_key":
        base.update(description=f"key {i}", enable_key_rotation=True, is_enabled=True, policy=_policy(i, False))
    else:
        base.update(name=f"r{i}", description="x" * 120,
                    ingress=[{"from_port": p, "to_port": p, "protocol": "tcp", "cidr_blocks": ["10.0.0.0/8"]}
                             for p in (22, 443, 8080, 5000)])
    return base


def generate(resources: int) -> bytes:
    """Plan JSON with `resources` resource changes (and ~1% drift)."""
    changes: list[dict[str, Any]] = []
    module_resources: dict[str, list[dict[str, Any]]] = {f"m{m}": [] for m in range(MODULES)}
    for i in range(resources):
        actions = ACTIONS[i % len(ACTIONS)]
        kind = TYPES[i % len(TYPES)]
        module = f"m{i % MODULES}"
        name = f"r{i}"
        before = None if actions == ["create"] else _values(kind, i, "before")
        after = None if actions == ["delete"] else _values(kind, i, "after" if actions != ["no-op"] else "before")
        changes.append({
            "address": f"module.{module}.{kind}.{name}", "module_address": f"module.{module}",
            "mode": "data" if actions == ["read"] else "managed", "type": kind, "name": name,
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {"actions": actions, "before": before, "after": after,
                       "after_unknown": {"id": True} if actions == ["create"] else {},
                       "before_sensitive": {"password": True} if kind == "aws_db_instance" else {},
                       "after_sensitive": {"password": True} if kind == "aws_db_instance" else {}},
        })
        module_resources[module].append({"address": f"{kind}.{name}", "mode": "managed", "type": kind,
                                         "name": name, "expressions": {"tags": {"constant_value": {"n": str(i)}}}})
    drift = [dict(rc, change=dict(rc["change"], actions=["update"])) for rc in changes[::100]
             if rc["change"]["before"] is not None and rc["change"]["after"] is not None]
    doc = {
        "format_version": "1.2", "terraform_version": "1.11.4", "planned_values": {"root_module": {}},
        "resource_changes": changes, "resource_drift": drift, "output_changes": {},
        "configuration": {
            "provider_config": {"aws": {"name": "aws", "expressions": {"region": {"constant_value": "us-east-1"}}}},
            "root_module": {"module_calls": {
                m: {"source": f"./modules/{m}", "module": {"resources": rs}} for m, rs in module_resources.items()}},
        },
        "errored": False,
    }
    return json.dumps(doc, separators=(",", ":")).encode()


def run_once(plan: Path, fmt: str, src: Path | None = None) -> tuple[float, float, float, int, str]:
    """(wall seconds, CPU seconds, peak RSS MiB, exit code, last line of stdout) of one `mlstrata review`
    (of the source tree `src` when given, else of the installed mlstrata)."""
    env = {**os.environ, "NO_COLOR": "1"}
    if src is not None:
        env["PYTHONPATH"] = str(src)
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "mlstrata", "review", str(plan), "--format", fmt, "--no-spec"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    last = out.decode().strip().splitlines()[-1] if out.strip() else ""
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode, last


def compile_sources(trees: list[Path | None]) -> None:
    """Byte-compile each measured tree first (None: the installed mlstrata), as pip does when it installs one:
    users never compile mlstrata's sources on a run, and with PYTHONDONTWRITEBYTECODE=1 (set in this project's
    environment) a tree edited since its last compile would compile its changed modules on every run, ~0.1 s
    CPU of a review."""
    for src in trees:
        if src is None:
            found = subprocess.run([sys.executable, "-c", "import mlstrata; print(mlstrata.__file__)"],
                                   capture_output=True, text=True, check=True).stdout.strip()
            folder = Path(found).parent
        else:
            folder = src / "mlstrata"
        compileall.compile_dir(str(folder), quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="Write the plan here and keep it.")
    parser.add_argument("--compare", type=Path, metavar="SRC",
                        help="Also run the mlstrata of this source tree (a `src` folder), alternating with this one.")
    parser.add_argument("--write-plan", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write_plan is not None:  # the child that writes the plan (see below)
        args.write_plan.write_bytes(generate(args.resources))
        return
    trees: list[tuple[str, Path | None]] = [("this", None)]
    if args.compare is not None:
        trees.append((f"{args.compare}", args.compare.resolve()))
    compile_sources([src for _, src in trees])
    with tempfile.TemporaryDirectory() as tmp:
        plan = (args.keep or Path(tmp)) / "large-plan.json"
        plan.parent.mkdir(parents=True, exist_ok=True)
        # Written by a child process: a review process is spawned from this one, and Linux counts the spawning
        # process's peak RSS into the child's ru_maxrss (vfork, then exec); holding the generated plan here
        # made every review's "peak" read ~310 MiB, whatever the review itself used.
        subprocess.run([sys.executable, __file__, "--resources", str(args.resources), "--write-plan", str(plan)],
                       check=True)
        print(f"plan: {args.resources:,} resource changes, {plan.stat().st_size / 1e6:.1f} MB")
        for fmt in ("json", "human"):
            results: dict[str, list[tuple[float, float, float, int, str]]] = {name: [] for name, _ in trees}
            for _ in range(args.runs):
                for name, src in trees:  # alternating: both trees see the same load
                    results[name].append(run_once(plan, fmt, src))
            for name, runs in results.items():
                walls, cpus, peaks = [r[0] for r in runs], [r[1] for r in runs], [r[2] for r in runs]
                code, last = runs[-1][3], runs[-1][4]
                label = "" if len(trees) == 1 else f" [{name}]"
                print(f"review --format {fmt}{label}: median {statistics.median(walls):.2f} s "
                      f"(min {min(walls):.2f}, max {max(walls):.2f}), CPU median {statistics.median(cpus):.2f} s, "
                      f"peak RSS {max(peaks):.0f} MiB, exit {code}; last line: {last[:100]}")
        print(f"load average after the runs: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
