"""Which EC2 instance types exist: botocore's EC2 service model, shape `InstanceType` (every type AWS lists).

botocore is read as data, never imported (its import costs start-up time and it is not needed for anything
else): the gzipped model `botocore/data/ec2/2016-11-15/service-2.json.gz` is found next to the package and
only the `InstanceType` enum is decoded. A botocore release lags AWS launches by days; an unknown type is
therefore reported with the botocore version, so a user can tell "typo" from "too new".
"""

from __future__ import annotations

import dataclasses
import difflib
import gzip
import importlib.metadata
import importlib.util
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from mlstrata.diagnostics import Diagnostic, Severity
from mlstrata.spec.models import Platform
from mlstrata.spec.source import KeyPath, Source, diagnostics_at

MODEL = ("data", "ec2", "2016-11-15", "service-2.json.gz")
_ENUM = re.compile(rb'"InstanceType"\s*:\s*\{\s*"type"\s*:\s*"string"\s*,\s*"enum"\s*:\s*(\[[^\]]*\])')


@dataclass(frozen=True)
class Ec2Types:
    """The instance types of one botocore release."""

    names: frozenset[str]
    source: str  # "botocore 1.44.5"

    def suggest(self, instance_type: str) -> str | None:
        """The closest existing type (same family first), for a did-you-mean."""
        family = instance_type.split(".", 1)[0]
        same_family = sorted(n for n in self.names if n.split(".", 1)[0] == family)
        for pool in (same_family, sorted(self.names)):
            close = difflib.get_close_matches(instance_type, pool, n=1, cutoff=0.75)
            if close:
                return close[0]
        return None


@lru_cache(maxsize=1)
def ec2_types() -> Ec2Types | None:
    """Every EC2 instance type botocore knows, or None when botocore or its model cannot be read."""
    found = importlib.util.find_spec("botocore")
    if found is None or not found.submodule_search_locations:
        return None
    path = Path(next(iter(found.submodule_search_locations))).joinpath(*MODEL)
    try:
        raw = gzip.decompress(path.read_bytes())
    except (OSError, EOFError, gzip.BadGzipFile):
        return None
    match = _ENUM.search(raw)
    if match is None:
        return None
    names = json.loads(match.group(1))
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        return None
    try:
        version = importlib.metadata.version("botocore")
    except importlib.metadata.PackageNotFoundError:
        version = "?"
    return Ec2Types(frozenset(names), f"botocore {version}")


@dataclass(frozen=True)
class TypeProblem:
    """What is wrong or unverified about one instance type in a spec."""

    severity: str  # "error" | "warning" | "info"
    summary: str
    hint: str


def check_gpu_type(
    instance_type: str,
    regions: list[str],
    gpu_families: dict[str, str],
    catalog_regions: list[str],
) -> list[TypeProblem]:
    """Does `instance_type` exist (botocore), is it an NVIDIA GPU type, and is it known in `regions`?

    `catalog_regions` are the regions where the price catalog lists the type (with its GPUs).
    """
    known = ec2_types()
    if known is None:
        return [TypeProblem("warning", f"`{instance_type}` not checked against the EC2 instance types",
                            "botocore (its EC2 service model lists every instance type) is not installed: "
                            "pip install botocore.")]
    if instance_type not in known.names:
        close = known.suggest(instance_type)
        return [TypeProblem(
            "error", f"`{instance_type}` is not an EC2 instance type (per {known.source})",
            (f"Did you mean `{close}`? " if close else "")
            + "Types are checked against botocore's EC2 service model; a type launched after that release "
            "needs a newer botocore (pip install -U botocore).")]
    family = instance_type.split(".", 1)[0]
    if family not in gpu_families and not catalog_regions:
        if family[:1] in ("p", "g"):  # the accelerated-computing naming; a family newer than our table
            return [TypeProblem(
                "warning", f"`{instance_type}` exists, but mlstrata does not know whether it has NVIDIA GPUs",
                "Known NVIDIA GPU families: " + ", ".join(sorted(gpu_families)) + ". If it has NVIDIA GPUs, "
                "its pool works, but GPU checks and cost cannot describe it.")]
        return [TypeProblem(
            "error", f"`{instance_type}` is not an NVIDIA GPU instance type",
            "GPU families: " + ", ".join(sorted(gpu_families)) + ".")]
    missing = [r for r in regions if r not in catalog_regions]
    if not missing:
        return []
    listed = f"lists it in {', '.join(catalog_regions)}" if catalog_regions else "does not list it"
    return [TypeProblem(
        "info", f"availability of `{instance_type}` in {', '.join(missing)} not verified "
        f"(the price catalog {listed})",
        f"Check with `aws ec2 describe-instance-type-offerings --region {missing[0]} "
        f"--filters Name=instance-type,Values={instance_type}`; `mlstrata cost` cannot price it there "
        "unless your pricing overlay does.")]


def check_pool_types(platform: Platform, source: Source, code: str) -> list[Diagnostic]:
    """Every GPU pool's instance types (and each override's), checked where the pool runs."""
    from mlstrata.pricing.catalog import load_shipped_catalog
    from mlstrata.targets.aws.catalog import GPU_FAMILIES

    catalog = load_shipped_catalog()
    regions = {name: env.region or platform.region for name, env in platform.environments.items()}
    out: list[Diagnostic] = []
    for name, pool in platform.gpu_pools.items():
        overridden = {env for env, o in pool.overrides.items() if o.get("instance_types") is not None}
        shapes: list[tuple[KeyPath, object, list[str]]] = [
            (("gpu_pools", name), pool.instance_types, sorted({r for e, r in regions.items() if e not in overridden}))
        ]
        for env in sorted(overridden):
            shapes.append((("gpu_pools", name, "overrides", env), pool.overrides[env].get("instance_types"),
                           [regions.get(env, platform.region)]))
        for base, types, where in shapes:
            if not isinstance(types, list):
                continue
            for i, itype in enumerate(types):
                for problem in check_gpu_type(str(itype), where, GPU_FAMILIES, catalog.regions("aws", str(itype))):
                    found = diagnostics_at(source, (*base, "instance_types", i), problem.summary, problem.hint,
                                           code=code)
                    out.append(dataclasses.replace(found, severity=Severity(problem.severity)))
    return out
