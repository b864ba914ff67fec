"""GPU pools: a declared shape persisted under root, and the host's real GPUs.

GPUs are found with `nvidia-smi --query-gpu=name,memory.total,driver_version
--format=csv,noheader,nounits` (and `nvidia-smi -q -d COMPUTE` for the CUDA version). Set
MLSTRATA_NVIDIA_SMI to the path of another executable to use it instead of the `nvidia-smi` on
PATH: tests point it at a script that prints real nvidia-smi output. Without nvidia-smi the host
has 0 GPUs.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass, field

from mlstrata.provider.store import files
from mlstrata.provider.store.errors import StoreError
from mlstrata.provider.store.layout import Layout, check_name

ENV_VAR = "MLSTRATA_NVIDIA_SMI"
QUERY = "--query-gpu=name,memory.total,driver_version"
CAPACITY_TYPES = ("ON_DEMAND", "SPOT")
TAINT = re.compile(r"^[A-Za-z0-9./_-]+(=[A-Za-z0-9._-]*)?:(NoSchedule|PreferNoSchedule|NoExecute)$")
_CUDA = re.compile(r"CUDA Version\s*:?\s*([0-9][0-9.]*)")
_cache: dict[str, GpuFacts] = {}
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class GpuFacts:
    """The host's GPUs as nvidia-smi reports them; `source` says how they were found."""

    count: int = 0
    model: str = ""
    memory_mib: int = 0
    driver_version: str = ""
    cuda_version: str = ""
    source: str = "nvidia-smi not found"


def parse_query_csv(text: str) -> list[tuple[str, int, str]]:
    """Rows of `name, memory.total, driver_version` from nvidia-smi CSV (with or without units)."""
    rows: list[tuple[str, int, str]] = []
    for record in csv.reader(io.StringIO(text), skipinitialspace=True):
        if len(record) < 3 or record[0].strip() == "name":
            continue
        digits = re.match(r"\s*(\d+)", record[1])
        rows.append((record[0].strip(), int(digits.group(1)) if digits else 0, record[2].strip()))
    return rows


def parse_cuda_version(text: str) -> str:
    """The CUDA version from `nvidia-smi -q` or the `nvidia-smi` banner, or ''."""
    match = _CUDA.search(text)
    return match.group(1) if match else ""


def _run(executable: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([executable, *args], capture_output=True, text=True, timeout=30, check=False)


def probe_gpus(executable: str | None = None, use_cache: bool = True) -> GpuFacts:
    """Ask nvidia-smi (or the executable named by MLSTRATA_NVIDIA_SMI) which GPUs this host has."""
    exe = executable or os.environ.get(ENV_VAR) or shutil.which("nvidia-smi")
    if not exe:
        return GpuFacts()
    with _cache_lock:
        if use_cache and exe in _cache:
            return _cache[exe]
    try:
        query = _run(exe, QUERY, "--format=csv,noheader,nounits")
    except OSError as exc:
        return GpuFacts(source=f"{exe} could not run: {exc.strerror}")
    if query.returncode != 0:
        said = (query.stdout + query.stderr).strip().splitlines()
        facts = GpuFacts(source=f"{exe}: {said[0] if said else f'exit code {query.returncode}'}")
    else:
        rows = parse_query_csv(query.stdout)
        models = sorted({r[0] for r in rows})
        banner = _run(exe, "-q", "-d", "COMPUTE")
        facts = GpuFacts(
            count=len(rows),
            model=", ".join(models),
            memory_mib=min((r[1] for r in rows), default=0),
            driver_version=rows[0][2] if rows else "",
            cuda_version=parse_cuda_version(banner.stdout) if banner.returncode == 0 else "",
            source=exe,
        )
    with _cache_lock:
        _cache[exe] = facts
    return facts


@dataclass(frozen=True)
class GpuPoolConfig:
    """The declared shape of a GPU pool."""

    name: str
    min: int = 0
    max: int = 0
    desired: int = 0
    instance_types: tuple[str, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    taints: tuple[str, ...] = ()
    capacity: str = "ON_DEMAND"

    def to_json(self) -> dict[str, object]:
        return {
            "format": 1,
            "name": self.name,
            "min": self.min,
            "max": self.max,
            "desired": self.desired,
            "instance_types": list(self.instance_types),
            "labels": dict(sorted(self.labels.items())),
            "taints": list(self.taints),
            "capacity": self.capacity,
        }


@dataclass(frozen=True)
class GpuPool:
    """A pool: its declared shape as stored, and the host's GPUs."""

    config: GpuPoolConfig
    facts: GpuFacts


def check_pool(config: GpuPoolConfig) -> None:
    """Reject shapes that are inconsistent in themselves."""
    check_name("GPU pool", config.name)
    if not 0 <= config.min <= config.desired <= config.max:
        raise StoreError(
            f"GPU pool {config.name!r} needs 0 <= min <= desired <= max "
            f"(got min={config.min}, desired={config.desired}, max={config.max})",
            hint="Fix the pool's bounds.",
            path="desired",
        )
    if config.capacity not in CAPACITY_TYPES:
        raise StoreError(f"unknown capacity {config.capacity!r}", hint="Use ON_DEMAND or SPOT.", path="capacity")
    for taint in config.taints:
        if not TAINT.fullmatch(taint):
            raise StoreError(
                f"taint {taint!r} is not key=value:Effect",
                hint="Write taints like 'nvidia.com/gpu=present:NoSchedule' "
                "(Effect is NoSchedule, PreferNoSchedule or NoExecute).",
                path="taints",
            )


def check_capacity(config: GpuPoolConfig, facts: GpuFacts) -> None:
    """Fail when the pool's `min` asks for more GPUs than this host has."""
    if config.min <= facts.count:
        return
    found = f"{facts.count} GPU(s)" + (f" ({facts.model})" if facts.model else "")
    raise StoreError(
        f"GPU pool {config.name!r} needs at least {config.min} GPU(s) but this host has {facts.count}",
        detail=f"Found {found} via {facts.source}.",
        hint=f"Lower min to {facts.count} or less, or run on a host with more GPUs "
        f"(set {ENV_VAR} to use another nvidia-smi).",
        path="min",
    )


def apply_pool(layout: Layout, config: GpuPoolConfig, facts: GpuFacts | None = None) -> GpuPool:
    """Record the pool's shape after checking it against the host's GPUs."""
    check_pool(config)
    seen = facts or probe_gpus()
    check_capacity(config, seen)
    files.write_json(layout.gpu_pools / f"{config.name}.json", config.to_json())
    return GpuPool(config, seen)


def read_pool(layout: Layout, name: str, facts: GpuFacts | None = None) -> GpuPool | None:
    """The pool's recorded shape and the host's GPUs, or None when the pool is gone."""
    check_name("GPU pool", name)
    try:
        data = files.read_json(layout.gpu_pools / f"{name}.json")
    except ValueError as exc:
        raise StoreError(f"GPU pool file for {name!r} is not valid JSON", detail=str(exc)) from exc
    if data is None:
        return None
    config = GpuPoolConfig(
        name=name,
        min=int(data.get("min", 0)),
        max=int(data.get("max", 0)),
        desired=int(data.get("desired", 0)),
        instance_types=tuple(str(t) for t in data.get("instance_types", [])),
        labels={str(k): str(v) for k, v in (data.get("labels") or {}).items()},
        taints=tuple(str(t) for t in data.get("taints", [])),
        capacity=str(data.get("capacity", "ON_DEMAND")),
    )
    return GpuPool(config, facts or probe_gpus())


def delete_pool(layout: Layout, name: str) -> None:
    """Forget the pool."""
    check_name("GPU pool", name)
    files.remove_tree(layout.gpu_pools / f"{name}.json")
    files.prune_empty_parents(layout.gpu_pools, layout.root)
