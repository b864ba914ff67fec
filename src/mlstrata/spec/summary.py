"""What `mlstrata validate` reports of a valid spec, in one place: the command prints it, and the render stamp
keeps it so that `validate` of an unchanged spec replays it without loading the spec again."""

from __future__ import annotations

from mlstrata.spec.load import LoadedSpec
from mlstrata.spec.resolve import resolve


def validation_facts(spec: LoadedSpec) -> dict[str, object]:
    """`validate`'s JSON report less the warnings, and the GPU pool count its human line gives."""
    envs = resolve(spec.platform, spec.source.data)
    return {"valid": True, "platform": spec.platform.platform, "target": spec.platform.target,
            "environments": {name: {"region": env.region, "protect": env.protect,
                                    "gpu_pools": {p: s.model_dump(mode="json") for p, s in env.gpu_pools.items()}}
                             for name, env in envs.items()},
            "gpu_pool_count": len(spec.platform.gpu_pools)}
