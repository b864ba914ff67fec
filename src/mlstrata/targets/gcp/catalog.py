"""GCP facts the spec is checked against: GPU machine types and their accelerators, TPU machine types
and topologies, region, project and IAM member syntax.

Sources (read 2026-11): GPU machine types https://cloud.google.com/compute/docs/gpus ;
accelerator-optimized machines (a2, a3, a4, g2) https://cloud.google.com/compute/docs/accelerator-optimized-machines ;
GPUs on GKE https://cloud.google.com/kubernetes-engine/docs/how-to/gpus ;
multi-instance GPUs https://cloud.google.com/kubernetes-engine/docs/how-to/gpus-multi ;
TPUs in GKE https://cloud.google.com/kubernetes-engine/docs/concepts/tpus ;
TPU topologies https://cloud.google.com/tpu/docs/v5e , https://cloud.google.com/tpu/docs/v5p ,
https://cloud.google.com/tpu/docs/v6e .
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

# a user-managed service account's email (<name>@<project>.iam.gserviceaccount.com): what CI impersonates
SERVICE_ACCOUNT_EMAIL = re.compile(
    r"^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z][a-z0-9-]{4,28}[a-z0-9]\.iam\.gserviceaccount\.com$")

# Machine types that carry their GPUs: (accelerator, GPUs per VM). The machine type fixes both;
# GKE still wants them in guest_accelerator (with the driver version).
_FIXED: dict[str, tuple[str, int]] = {
    **{f"a2-highgpu-{n}g": ("nvidia-tesla-a100", n) for n in (1, 2, 4, 8)},
    "a2-megagpu-16g": ("nvidia-tesla-a100", 16),
    **{f"a2-ultragpu-{n}g": ("nvidia-a100-80gb", n) for n in (1, 2, 4, 8)},
    **{f"a3-highgpu-{n}g": ("nvidia-h100-80gb", n) for n in (1, 2, 4, 8)},
    "a3-edgegpu-8g": ("nvidia-h100-80gb", 8),
    "a3-megagpu-8g": ("nvidia-h100-mega-80gb", 8),
    "a3-ultragpu-8g": ("nvidia-h200-141gb", 8),
    "a4-highgpu-8g": ("nvidia-b200", 8),
    **{f"g2-standard-{n}": ("nvidia-l4", 1) for n in (4, 8, 12, 16, 32)},
    "g2-standard-24": ("nvidia-l4", 2),
    "g2-standard-48": ("nvidia-l4", 4),
    "g2-standard-96": ("nvidia-l4", 8),
}

# GPUs that attach to N1 machine types, with the counts a VM may take.
N1_ATTACHABLE: dict[str, tuple[int, ...]] = {
    "nvidia-tesla-t4": (1, 2, 4),
    "nvidia-tesla-v100": (1, 2, 4, 8),
    "nvidia-tesla-p4": (1, 2, 4),
    "nvidia-tesla-p100": (1, 2, 4),
}

# Multi-instance GPU partitions GKE accepts per accelerator.
MIG_PARTITIONS: dict[str, tuple[str, ...]] = {
    "nvidia-tesla-a100": ("1g.5gb", "2g.10gb", "3g.20gb", "7g.40gb"),
    "nvidia-a100-80gb": ("1g.10gb", "2g.20gb", "3g.40gb", "7g.80gb"),
    "nvidia-h100-80gb": ("1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "7g.80gb"),
    "nvidia-h100-mega-80gb": ("1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "7g.80gb"),
    "nvidia-h200-141gb": ("1g.18gb", "1g.35gb", "2g.35gb", "3g.71gb", "4g.71gb", "7g.141gb"),
}

GPU_MACHINE_FAMILIES = ("a2", "a3", "a4", "g2", "n1")
N1_MACHINE = re.compile(r"^n1-(standard|highmem|highcpu)-(1|2|4|8|16|32|64|96)$")


@dataclass(frozen=True)
class GpuShape:
    accelerator: str
    count: int
    fixed: bool  # the machine type carries its GPUs (a2/a3/a4/g2)


def gpu_of_machine(machine_type: str) -> GpuShape | None:
    """The GPUs an a2/a3/a4/g2 machine type carries; None for every other type (n1 included)."""
    found = _FIXED.get(machine_type)
    return GpuShape(found[0], found[1], True) if found else None


def is_n1(machine_type: str) -> bool:
    return bool(N1_MACHINE.match(machine_type))


def gpu_machine_types() -> list[str]:
    return sorted(_FIXED)


# Machine series whose VMs boot only from Hyperdisk: a GKE pool of them with a Persistent Disk boot disk
# (pd-balanced, pd-ssd) is refused at create ("pd-balanced disk type cannot be used by a4x-highgpu-4g machine
# type"). A3 Ultra, A4 and A4X list only Hyperdisk types among their supported disks
# (https://cloud.google.com/compute/docs/accelerator-optimized-machines#supported_disk_types), TPU Trillium (v6e)
# VMs boot from Hyperdisk Balanced (Google's own GKE v6e blueprint sets it:
# GoogleCloudPlatform/cluster-toolkit examples/gke-consumption-options/dws-flex-start-queued-provisioning/gke-tpu-v6e).
HYPERDISK_ONLY_SERIES = ("a3-ultragpu-", "a4-highgpu-", "a4x-highgpu-", "ct6e-standard-")
HYPERDISK_BOOT = "hyperdisk-balanced"


def hyperdisk_only(machine_type: str) -> bool:
    """Whether the machine type boots only from a Hyperdisk (hyperdisk-balanced, the one Hyperdisk type that can
    be a boot disk)."""
    return machine_type.startswith(HYPERDISK_ONLY_SERIES)


# ---- TPUs -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TpuMachine:
    version: str  # v5e, v5p, v6e
    chips_per_vm: int
    dimensions: int  # 2 (v5e, v6e) or 3 (v5p)
    topologies: tuple[str, ...]  # every slice topology GKE offers for this machine type


_V5E_V6E_MULTI = ("2x4", "4x4", "4x8", "8x8", "8x16", "16x16")
TPU_MACHINES: dict[str, TpuMachine] = {
    "ct5lp-hightpu-1t": TpuMachine("v5e", 1, 2, ("1x1",)),
    "ct5lp-hightpu-4t": TpuMachine("v5e", 4, 2, ("2x2", *_V5E_V6E_MULTI)),
    "ct5lp-hightpu-8t": TpuMachine("v5e", 8, 2, ("2x4",)),
    "ct6e-standard-1t": TpuMachine("v6e", 1, 2, ("1x1",)),
    "ct6e-standard-4t": TpuMachine("v6e", 4, 2, ("2x2", *_V5E_V6E_MULTI)),
    "ct6e-standard-8t": TpuMachine("v6e", 8, 2, ("2x4",)),
    # v5p: 3-D topologies, as listed for GKE.
    "ct5p-hightpu-4t": TpuMachine("v5p", 4, 3, (
        "2x2x1", "2x2x2", "2x2x4", "2x4x4", "4x4x4", "4x4x8", "4x8x8", "8x8x8", "8x8x16", "8x16x16",
    )),
}


def tpu_chips(topology: str) -> int:
    return math.prod(int(d) for d in topology.split("x"))


def tpu_hosts(machine_type: str, topology: str) -> int | None:
    """VMs (= nodes) of one slice; None when the topology does not fit the machine type."""
    machine = TPU_MACHINES.get(machine_type)
    if machine is None or topology not in machine.topologies:
        return None
    return tpu_chips(topology) // machine.chips_per_vm


# ---- names ------------------------------------------------------------------------------------

REGION = re.compile(r"^(us|europe|asia|australia|northamerica|southamerica|me|africa)-[a-z]+\d{1,2}$")
PROJECT = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
MEMBER = re.compile(
    r"^((user|group|serviceAccount|domain):[^\s:]+|principal(Set)?://\S+)$"
)
