"""What `mlstrata check` takes from a platform spec: per-environment ceilings, protection, the state backend.

Apart from the runner so that checking foreign code never imports the spec models or the renderers.
"""

from __future__ import annotations

from mlstrata.rules.context import EnvFacts, SpecFacts
from mlstrata.spec.load import LoadedSpec
from mlstrata.spec.resolve import resolve
from mlstrata.targets.aws.render import sse_s3_buckets


def spec_facts(loaded: LoadedSpec) -> SpecFacts:
    """The parts of a loaded spec the rules need, per environment."""
    envs = resolve(loaded.platform, loaded.source.data)
    return SpecFacts(
        path=loaded.source.file,
        envs={
            name: EnvFacts(
                name=name,
                protect=env.protect,
                max_gpu_nodes_per_pool=env.spec.max_gpu_nodes_per_pool,
                pool_desired={pool: shape.scaling.desired for pool, shape in env.gpu_pools.items()},
            )
            for name, env in envs.items()
        },
        state_backend=loaded.platform.state.backend,
        sse_s3_buckets=sse_s3_buckets(loaded.platform, envs),
    )
