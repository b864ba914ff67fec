"""Checks of the platform services: serving endpoint classes (per environment, after overrides) and the
feature store. Each error points at the key that is wrong, in the override when an override set it."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import ValidationError

from mlstrata.diagnostics import Diagnostic, did_you_mean, warning
from mlstrata.spec.errors import pydantic_diagnostics
from mlstrata.spec.models import Platform, ServingAutoscaling, ServingEndpointShape
from mlstrata.spec.overrides import override_remap, unknown_override_envs
from mlstrata.spec.resolve import endpoint_shape, serving_engine
from mlstrata.spec.source import KeyPath, Source, diagnostics_at, format_path
from mlstrata.targets.offered import offers


def _choices(word: str, known: list[str], what: str) -> str:
    hint = did_you_mean(word, known)
    listed = f"{what}: {', '.join(known)}." if known else f"No {what.lower()} are declared."
    return ((hint + " ") if hint else "") + listed


def check_serving(platform: Platform, source: Source) -> list[Diagnostic]:
    """The engine fits the target; every endpoint class, in every environment, names a registered model, a
    registry stage and a declared GPU pool, and has consistent autoscaling bounds."""
    serving = platform.serving
    if serving is None:
        return []
    out: list[Diagnostic] = []
    engines = offers()[platform.target].serving_engines
    if serving.engine is not None and serving.engine not in engines:
        out.append(diagnostics_at(source, ("serving", "engine"),
                                  f"serving engine `{serving.engine}` is not available on target `{platform.target}`",
                                  f"Use {' or '.join(engines)} (or leave `engine` out: {engines[0]}).",
                                  code="spec.serving_engine"))
    raw_endpoints = ((source.data.get("serving") or {}).get("endpoints")) or {}
    envs = list(platform.environments)
    engine = serving_engine(platform) if serving_engine(platform) in engines else ""  # "": already reported
    for name, endpoint in serving.endpoints.items():
        base: KeyPath = ("serving", "endpoints", name)
        out += unknown_override_envs(source, base, endpoint.overrides, envs)
        for env in envs:
            remap = override_remap(base, env, dict(endpoint.overrides.get(env, {})))
            try:
                shape = endpoint_shape(endpoint, raw_endpoints.get(name), env)
            except ValidationError as exc:
                out += [d for d in pydantic_diagnostics(exc, source, ServingEndpointShape, base, remap)
                        if d not in out]
                continue
            for diag in _check_endpoint(platform, source, shape, base, remap, env, engine):
                if diag not in out:
                    out.append(diag)
    return out


def _check_endpoint(platform: Platform, source: Source, shape: ServingEndpointShape, base: KeyPath,
                    remap: Callable[[KeyPath], KeyPath], env: str, engine: str) -> list[Diagnostic]:
    out: list[Diagnostic] = []

    def at(rel: KeyPath, summary: str, hint: str, code: str) -> None:
        full = remap((*base, *rel))
        if "overrides" in full:
            summary += f" (in environment `{env}`)"
        if not source.has(full):  # a missing section: point at the class
            full = base
        out.append(diagnostics_at(source, full, summary, hint, code=code, key=full == base))

    registry = platform.model_registry
    if registry is None:
        at(("model",), f"endpoint serves model `{shape.model}` but there is no `model_registry`",
           "Declare `model_registry:` with the model under `models:`.", "spec.serving_model")
    else:
        models = list(registry.models)
        if shape.model not in registry.models:
            at(("model",), f"model `{shape.model}` is not a registered model",
               _choices(shape.model, models, "Registered models") + " Add it under `model_registry.models`.",
               "spec.serving_model")
        declared = source.has(remap((*base, "stage")))
        if shape.stage not in registry.stages and declared:
            at(("stage",), f"`{shape.stage}` is not a registry stage",
               _choices(str(shape.stage), registry.stages, "Stages")
               + " Set `stage:` to the stage whose registry this endpoint reads.", "spec.serving_stage")
        elif shape.stage not in registry.stages:
            out.append(warning(
                f"endpoint class `{base[-1]}` is not deployed in `{env}`: it is not a registry stage",
                where=source.where(base, key=True), path=format_path(base), code="spec.serving_stage",
                hint=f"To serve there, name the stage it reads: overrides: {{{env}: {{stage: <stage>}}}}."))
    if shape.gpu_pool is not None and shape.gpu_pool not in platform.gpu_pools:
        at(("gpu_pool",), f"GPU pool `{shape.gpu_pool}` is not declared",
           _choices(shape.gpu_pool, list(platform.gpu_pools), "GPU pools") + " Leave `gpu_pool` out for CPU nodes.",
           "spec.serving_pool")
    if shape.gpus is not None and shape.gpu_pool is None:
        at(("gpus",), "`gpus` is set but the endpoint runs on CPU nodes",
           "Add `gpu_pool: <pool>`, or remove `gpus`.", "spec.serving_pool")
    kind = shape.sagemaker.kind if shape.sagemaker is not None else "inference_components"
    if engine == "sagemaker":
        _check_sagemaker_variant(shape, at)
        # A SageMaker endpoint runs on its own instances, not on the cluster's node pools.
        if shape.instance_type is None and kind != "serverless":
            out.append(diagnostics_at(source, base, f"sagemaker endpoint class `{base[-1]}` needs `instance_type`",
                                      "Add `instance_type: ml.g6e.xlarge` (any SageMaker hosting instance type).",
                                      key=True, code="spec.serving_instance"))
        if shape.gpu_pool is not None:
            at(("gpu_pool",), "`gpu_pool` places pods on the cluster; a sagemaker endpoint runs on its own instances",
               "Remove `gpu_pool`; choose the hardware with `instance_type`.", "spec.serving_pool")
        if shape.gpus is not None:
            at(("gpus",), "`gpus` does not apply to a sagemaker endpoint (an instance type has its GPUs)",
               "Remove `gpus`; choose the hardware with `instance_type`.", "spec.serving_pool")
    elif shape.instance_type is not None and engine:
        at(("instance_type",), f"`instance_type` applies to serving engine sagemaker, not {engine}",
           "Remove it; place the class on a GPU pool with `gpu_pool`.", "spec.serving_instance")
    if shape.sagemaker is not None and engine and engine != "sagemaker":
        at(("sagemaker",), f"`sagemaker` applies to serving engine sagemaker, not {engine}",
           "Remove it, or set `serving.engine: sagemaker`.", "spec.serving_variant")
    a = shape.autoscaling
    if a.min_replicas > a.max_replicas:
        at(("autoscaling", "min_replicas"),
           f"autoscaling.min_replicas ({a.min_replicas}) is greater than max_replicas ({a.max_replicas})",
           "Lower min_replicas or raise max_replicas.", "spec.scaling")
    if a.scale_to_zero and a.min_replicas > 0:
        at(("autoscaling", "scale_to_zero"), f"scale_to_zero needs min_replicas 0 (it is {a.min_replicas})",
           "Set `min_replicas: 0`, or `scale_to_zero: false` to keep replicas warm.", "spec.scaling")
    if not a.scale_to_zero and a.min_replicas == 0:
        at(("autoscaling", "min_replicas"), "min_replicas 0 without scale_to_zero",
           "Set `scale_to_zero: true` (idle endpoints drop to zero replicas), or min_replicas >= 1.", "spec.scaling")
    if a.target_concurrency is not None and a.target_utilization is not None:
        at(("autoscaling", "target_utilization"), "set either target_concurrency or target_utilization, not both",
           "An endpoint scales on one signal: remove one of them.", "spec.scaling")
    return out


_SERVERLESS_FIELDS = ("memory_mb", "max_concurrency", "provisioned_concurrency")
_ASYNC_FIELDS = ("max_concurrent_invocations", "notifications")


def _check_sagemaker_variant(shape: ServingEndpointShape,
                             at: Callable[[KeyPath, str, str, str], None]) -> None:
    """A SageMaker variant kind's own fields and the scaling each kind allows (each fact cited in
    modules/sagemaker_variant/README.md and tests/targets/test_serving_sagemaker.py)."""
    variant = shape.sagemaker
    kind = variant.kind if variant is not None else "inference_components"
    a = shape.autoscaling
    code = "spec.serving_variant"
    if variant is not None:
        own = {"serverless": _SERVERLESS_FIELDS, "async": _ASYNC_FIELDS}.get(kind, ())
        for field in (*_SERVERLESS_FIELDS, *_ASYNC_FIELDS):
            if field not in own and field in variant.model_fields_set:
                owner = "serverless" if field in _SERVERLESS_FIELDS else "async"
                at(("sagemaker", field), f"`{field}` applies to a {owner} variant, not {kind}",
                   f"Remove it, or set `kind: {owner}`.", code)
    if kind == "serverless" and variant is not None:
        if shape.instance_type is not None:
            at(("instance_type",), "a serverless endpoint has no instance type",
               "Remove `instance_type`; size it with `sagemaker.memory_mb` and `sagemaker.max_concurrency`.", code)
        for field, example in (("memory_mb", "2048"), ("max_concurrency", "10")):
            if getattr(variant, field) is None:
                at(("sagemaker",), f"a serverless variant needs `sagemaker.{field}`",
                   f"Add `{field}: {example}` under `sagemaker:`.", code)
        if (variant.provisioned_concurrency is not None and variant.max_concurrency is not None
                and variant.provisioned_concurrency > variant.max_concurrency):
            at(("sagemaker", "provisioned_concurrency"),
               f"provisioned_concurrency ({variant.provisioned_concurrency}) is above max_concurrency "
               f"({variant.max_concurrency})", "Lower provisioned_concurrency or raise max_concurrency.", code)
        # On-demand serverless endpoints scale themselves up to max_concurrency: there is no instance count.
        if a != ServingAutoscaling():
            at(("autoscaling",), "a serverless endpoint scales itself up to `sagemaker.max_concurrency`; "
               "`autoscaling` does not apply", "Remove `autoscaling` from this class.", code)
    elif kind == "real_time":
        if a.min_replicas == 0 or a.scale_to_zero:
            at(("autoscaling", "min_replicas"), "a real-time SageMaker variant keeps at least one instance",
               "Set `min_replicas: 1` and `scale_to_zero: false`; only async variants and inference components "
               "scale to zero.", code)
        if a.target_concurrency is None and a.target_utilization is None:
            at(("autoscaling",), "a real-time SageMaker variant needs a scaling signal",
               "Set `target_concurrency` (requests in flight per instance) or `target_utilization` (percent).", code)
    elif kind == "async":
        if a.target_utilization is not None:
            at(("autoscaling", "target_utilization"), "an async variant scales on its backlog, not on utilisation",
               "Use `target_concurrency`: queued requests per instance.", code)
        elif a.target_concurrency is None:
            at(("autoscaling",), "an async variant needs `target_concurrency` (queued requests per instance)",
               "Add `target_concurrency: 5` under `autoscaling:`.", code)


def check_feature_store(platform: Platform, source: Source) -> list[Diagnostic]:
    """The online store kind exists on the target."""
    store = platform.feature_store
    if store is None or store.online_store is None:
        return []
    kinds = offers()[platform.target].online_stores
    if store.online_store in kinds:
        return []
    return [diagnostics_at(source, ("feature_store", "online_store"),
                           f"online store `{store.online_store}` is not available on target `{platform.target}`",
                           f"Use {' or '.join(kinds)} (or leave `online_store` out: {kinds[0]}).",
                           code="spec.feature_store")]
