"""Whole-document rules: the mistakes users make that a single field cannot see."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import ValidationError

from mlstrata.diagnostics import Diagnostic, did_you_mean, warning
from mlstrata.spec.errors import pydantic_diagnostics
from mlstrata.spec.models import (
    LAYERS,
    PIPELINE_NEEDS,
    EnvironmentSpec,
    GpuPoolShape,
    GpuPoolSpec,
    Platform,
    Scaling,
    TpuPoolShape,
    TpuPoolSpec,
)
from mlstrata.spec.overrides import override_remap, unknown_override_envs
from mlstrata.spec.resolve import pool_shape_data
from mlstrata.spec.services import check_feature_store, check_serving
from mlstrata.spec.source import KeyPath, Source, diagnostics_at, format_path
from mlstrata.targets.offered import offered_by, offers


@dataclass(frozen=True)
class CiIdentity:
    """The form of a target's CI identities (an environment's `ci_role` and `plan_role`): `pattern` matches one,
    `what` names it in "`<value>` is not <what>", `hint` says what to write instead."""

    pattern: re.Pattern[str]
    what: str
    hint: str


class TargetChecks(Protocol):
    """What the spec needs of a target: the form of its CI identities and its own checks
    (`mlstrata.targets.registry.TARGETS` holds them)."""

    @property
    def ci_identity(self) -> CiIdentity | None:
        """None: the target has no CI identities to check (the local target)."""
        ...

    def check(self, platform: Platform, source: Source) -> list[Diagnostic]: ...


def check_platform(platform: Platform, source: Source,
                   targets: Mapping[str, TargetChecks] | None = None) -> list[Diagnostic]:
    """Every cross-field problem in the spec (errors and warnings), each positioned; with `targets`
    (the caller passes `mlstrata.targets.registry.TARGETS`), also whether the target exists and its own checks."""
    out: list[Diagnostic] = []
    out += _check_state(platform, source)
    out += _check_gpu_pools(platform, source)
    out += _check_tpu_pools(platform, source)
    out += _check_target_sections(platform, source)
    out += _check_registry(platform, source)
    out += _check_pipelines(platform, source)
    out += check_serving(platform, source)
    out += check_feature_store(platform, source)
    out += _check_ci(platform, source, None if targets is None else targets.get(platform.target))
    out += _check_autoscaler(platform, source)
    if targets is None:
        return out
    if platform.target not in targets:
        out.append(diagnostics_at(source, ("target",), f"target `{platform.target}` is not available yet",
                                  f"Available targets: {', '.join(sorted(targets))}.", code="spec.target"))
    elif not any(d.is_error for d in out):
        out += targets[platform.target].check(platform, source)
    return out


def _check_ci(platform: Platform, source: Source, target: TargetChecks | None) -> list[Diagnostic]:
    """CI identities per environment (their form is the target's, when the caller gives the targets) and code
    owners: what `mlstrata ci` renders from."""
    out: list[Diagnostic] = []
    identity = None if target is None else target.ci_identity
    for name, env in platform.environments.items():
        for field in ("ci_role", "plan_role"):
            role = getattr(env, field)
            if role is not None and identity is not None and not identity.pattern.match(role):
                out.append(diagnostics_at(source, ("environments", name, field), f"`{role}` is not {identity.what}",
                                          identity.hint, code="spec.ci_role"))
        if env.ci_role and not env.plan_role:
            out.append(diagnostics_at(
                source, ("environments", name, "ci_role"),
                f"environment `{name}` has a ci_role but no plan_role",
                "Add `plan_role`: the identity pull-request plans and nightly drift use (ci_role's trust is "
                "pinned to this environment, which pull requests cannot use).", code="spec.ci_role"))
    out += _check_ci_sign_in(platform, source)
    owners = platform.owners
    if owners is not None:
        for layer in owners.layers:
            if layer not in LAYERS:
                out.append(diagnostics_at(source, ("owners", "layers", layer), f"unknown layer `{layer}`",
                                          f"Layers: {', '.join(LAYERS)}. {did_you_mean(layer, LAYERS)}".strip(),
                                          key=True, code="spec.owners"))
        for env_name in owners.environments:
            if env_name not in platform.environments:
                out.append(diagnostics_at(source, ("owners", "environments", env_name),
                                          f"owners for unknown environment `{env_name}`",
                                          f"Environments: {', '.join(platform.environments)}."
                                          f" {did_you_mean(env_name, platform.environments)}".rstrip(), key=True,
                                          code="spec.owners"))
    return out


def _check_ci_sign_in(platform: Platform, source: Source) -> list[Diagnostic]:
    """The setting CI signs in with on this target (`Offers.ci_sign_in`): of its form when given, present when an
    environment has CI roles."""
    sign_in = offers()[platform.target].ci_sign_in
    if sign_in is None:
        return []
    section = getattr(platform, sign_in.section)
    value = getattr(section, sign_in.key) if section is not None else None
    path = (sign_in.section, sign_in.key)
    if value is not None and sign_in.pattern is not None and not sign_in.pattern.match(value):
        return [diagnostics_at(source, path, f"`{value}` is not {sign_in.what}", sign_in.hint, code="spec.ci_role")]
    if not value and any(e.ci_role or e.plan_role for e in platform.environments.values()):
        return [diagnostics_at(source, ("environments",), f"CI roles are set but `{'.'.join(path)}` is not",
                               sign_in.missing_hint, key=True, code="spec.ci_role")]
    return []


def _check_state(platform: Platform, source: Source) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    state = platform.state
    allowed = offers()[platform.target].state_backends
    if state.backend not in allowed:
        out.append(diagnostics_at(
            source, ("state", "backend"),
            f"state backend `{state.backend}` does not fit target `{platform.target}`",
            f"Use {' or '.join(allowed)} for the {platform.target} target.", code="spec.state"))
    if state.backend in ("s3", "gcs", "azurerm") and not state.bucket:
        out.append(diagnostics_at(source, ("state",), f"the {state.backend} backend needs `bucket`",
                                  "Add `bucket: <name>` (create it with the rendered bootstrap/state root).",
                                  key=True, code="spec.state"))
    if state.backend == "pg" and not state.conn_str_env:
        out.append(diagnostics_at(source, ("state",), "the pg backend needs `conn_str_env`",
                                  "Name the environment variable that holds the connection string, "
                                  "e.g. `conn_str_env: MLSTRATA_PG_CONN`.", key=True, code="spec.state"))
    if state.kms_key_arn is not None and state.backend != "s3":
        out.append(diagnostics_at(source, ("state", "kms_key_arn"),
                                  f"`kms_key_arn` applies to the s3 backend only, not `{state.backend}`",
                                  "Remove `kms_key_arn`.", code="spec.state"))
    return out


def _check_gpu_pools(platform: Platform, source: Source) -> list[Diagnostic]:
    return _check_pools(platform, source, "gpu_pools", platform.gpu_pools, GpuPoolShape, _check_pool_shape)


def _check_tpu_pools(platform: Platform, source: Source) -> list[Diagnostic]:
    return _check_pools(platform, source, "tpu_pools", platform.tpu_pools, TpuPoolShape, _check_tpu_shape)


def _check_pools(platform: Platform, source: Source, section: str, pools: Mapping[str, GpuPoolSpec | TpuPoolSpec],
                 model: type[GpuPoolShape] | type[TpuPoolShape], check_shape: Any) -> list[Diagnostic]:
    """A pool section: overrides name environments, every environment's shape validates, and `check_shape`
    (shape, source, base path, remap, env name, env spec) finds nothing; each problem reported once."""
    out: list[Diagnostic] = []
    raw_pools = source.data.get(section) or {}
    envs = list(platform.environments)
    for name, pool in pools.items():
        base_path: KeyPath = (section, name)
        out += unknown_override_envs(source, base_path, pool.overrides, envs)
        for env in envs:
            remap = override_remap(base_path, env, dict(pool.overrides.get(env, {})))
            try:
                shape = model.model_validate(pool_shape_data(pool, raw_pools.get(name), env))
            except ValidationError as exc:
                out += [d for d in pydantic_diagnostics(exc, source, model, base_path, remap) if d not in out]
                continue
            for diag in check_shape(shape, source, base_path, remap, env, platform.environments[env]):
                if diag not in out:
                    out.append(diag)
    return out


def _check_target_sections(platform: Platform, source: Source) -> list[Diagnostic]:
    """Sections and pool settings that only one target understands."""
    out: list[Diagnostic] = []
    target = platform.target
    if platform.tpu_pools and not offers()[target].tpu_pools:
        owners = " or ".join(t for t, o in offers().items() if o.tpu_pools)
        out.append(diagnostics_at(source, ("tpu_pools",), f"TPU pools are not available on target `{target}`",
                                  f"TPU slice pools exist on the {owners} target only; remove `tpu_pools`.",
                                  key=True, code="spec.target_only"))
    for section, owner in (("gcp", "gcp"), ("azure", "azure")):
        if getattr(platform, section) is not None and target != owner:
            out.append(diagnostics_at(source, (section,),
                                      f"the `{section}` section does not apply to target `{target}`",
                                      f"Remove it, or set `target: {owner}`.", key=True, code="spec.target_only"))
    for name, pool in platform.gpu_pools.items():
        for key, owner in (("gke", "gcp"), ("azure", "azure")):
            if getattr(pool, key) is not None and target != owner:
                out.append(diagnostics_at(source, ("gpu_pools", name, key),
                                          f"`{key}` settings do not apply to target `{target}`",
                                          f"Remove `{key}` from the pool, or set `target: {owner}`.", key=True,
                                          code="spec.target_only"))
    return out


class _ShapeReport:
    """Problems of one pool shape in one environment, each at the key that makes it: the override of this
    environment when it set one of the keys involved (and then named), else the declared key."""

    def __init__(self, source: Source, base: KeyPath, remap: Any, env: str) -> None:
        self.source, self.base, self.remap, self.env = source, base, remap, env
        self.found: list[Diagnostic] = []

    def at(self, path: KeyPath, summary: str, hint: str, code: str, *also: KeyPath) -> None:
        candidates = [self.remap((*self.base, *p)) for p in (path, *also)]
        full = next((c for c in candidates if "overrides" in c), candidates[0])
        suffix = f" (in environment `{self.env}`)" if "overrides" in full else ""
        self.found.append(diagnostics_at(self.source, full, summary + suffix, hint, code=code))

    def scaling(self, s: Scaling) -> None:
        """min <= desired <= max, for GPU and TPU pools alike."""
        if s.min > s.max:
            self.at(("scaling", "min"), f"scaling.min ({s.min}) is greater than scaling.max ({s.max})",
                    "Lower min or raise max so that min <= desired <= max.", "spec.scaling", ("scaling", "max"))
        if isinstance(s.desired, int) and not s.min <= s.desired <= s.max:
            self.at(("scaling", "desired"), f"scaling.desired ({s.desired}) is outside [{s.min}, {s.max}]",
                    "Set desired between min and max, or `desired: autoscaler` to let the autoscaler own it.",
                    "spec.scaling", ("scaling", "min"), ("scaling", "max"))


def _check_tpu_shape(shape: TpuPoolShape, source: Source, base: KeyPath, remap: Any, env: str,
                     env_spec: EnvironmentSpec) -> list[Diagnostic]:
    report = _ShapeReport(source, base, remap, env)
    report.scaling(shape.scaling)
    if shape.capacity == "capacity_block" and not shape.capacity_reservation_id:
        report.at(("capacity",), "capacity `capacity_block` needs `capacity_reservation_id`",
                  "Add the name of the TPU reservation the slice consumes.", "spec.capacity")
    return report.found


def _check_pool_shape(shape: GpuPoolShape, source: Source, base: KeyPath, remap: Any, env: str,
                      env_spec: EnvironmentSpec) -> list[Diagnostic]:
    report = _ShapeReport(source, base, remap, env)
    at = report.at
    s = shape.scaling
    ceiling = env_spec.max_gpu_nodes_per_pool
    report.scaling(s)
    if ceiling is not None and s.max > ceiling:
        at(("scaling", "max"), f"scaling.max ({s.max}) exceeds this environment's ceiling of {ceiling} nodes",
           f"Lower scaling.max for `{env}` with an override, or raise environments.{env}.max_gpu_nodes_per_pool.",
           "spec.ceiling")
    if shape.capacity == "capacity_block" and not shape.capacity_reservation_id:
        at(("capacity",), "capacity `capacity_block` needs `capacity_reservation_id`",
           "Add the Capacity Block reservation id (cr-...) you purchased.", "spec.capacity")
    if shape.capacity == "capacity_block" and len(shape.instance_types) != 1:
        at(("instance_types",), "a capacity_block pool runs exactly one instance type",
           "A Capacity Block reserves one instance type: keep the one you reserved.", "spec.capacity")
    if shape.capacity != "capacity_block" and shape.capacity_reservation_id:
        at(("capacity_reservation_id",), "capacity_reservation_id is only used with capacity `capacity_block`",
           "Remove it, or set `capacity: capacity_block`.", "spec.capacity")
    if len(set(shape.instance_types)) != len(shape.instance_types):
        at(("instance_types",), "instance_types lists the same type twice", "Remove the duplicate.",
           "spec.duplicate")
    return report.found


def _check_registry(platform: Platform, source: Source) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    registry = platform.model_registry
    if registry is None:
        return out
    envs = list(platform.environments)
    seen: set[str] = set()
    for i, stage in enumerate(registry.stages):
        path: KeyPath = ("model_registry", "stages", i)
        if stage not in platform.environments:
            hint = did_you_mean(stage, envs)
            out.append(diagnostics_at(source, path, f"promotion stage `{stage}` is not an environment",
                                      ((hint + " ") if hint else "") + f"Environments: {', '.join(envs)}.",
                                      code="spec.unknown_stage"))
        if stage in seen:
            out.append(diagnostics_at(source, path, f"stage `{stage}` appears twice in the promotion path",
                                      "Each environment appears once, in promotion order.",
                                      code="spec.duplicate"))
        seen.add(stage)
    raw_promoters = (source.data.get("model_registry") or {}).get("promoters")
    if isinstance(raw_promoters, dict):
        for stage in registry.promoters_by_stage:
            if stage not in registry.stages:
                hint = did_you_mean(stage, registry.stages)
                out.append(diagnostics_at(
                    source, ("model_registry", "promoters", stage), f"promoters for unknown stage `{stage}`",
                    ((hint + " ") if hint else "") + f"Stages: {', '.join(registry.stages)}.",
                    key=True, code="spec.unknown_stage"))
    return out


def _check_pipelines(platform: Platform, source: Source) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    pipelines = platform.pipelines
    if pipelines is None:
        return out
    provided = {
        "artifact_store": bool(platform.artifact_stores),
        "metadata_store": pipelines.metadata_store is not None,
        "queue": pipelines.queue is not None,
        "identity": True,  # every target provides workload identity for the pipeline service account
        "network": True,  # every target provides a network (a VPC, or loopback for `local`)
    }
    how = {
        "artifact_store": "Declare at least one entry under `artifact_stores:`.",
        "metadata_store": "Add `pipelines.metadata_store: {}` (PostgreSQL by default).",
        "queue": "Add `pipelines.queue: {}`.",
    }
    for i, need in enumerate(pipelines.needs):
        path: KeyPath = ("pipelines", "needs", i)
        if need not in PIPELINE_NEEDS:
            hint = did_you_mean(need, PIPELINE_NEEDS)
            out.append(diagnostics_at(source, path, f"unknown pipeline need `{need}`",
                                      ((hint + " ") if hint else "") + f"Known: {', '.join(PIPELINE_NEEDS)}.",
                                      code="spec.unknown_need"))
        elif not provided[need]:
            out.append(diagnostics_at(source, path, f"pipelines need `{need}` but nothing provides it",
                                      how[need], code="spec.unprovided_need"))
    out += _check_orchestrator(platform, source)
    for component in ("metadata_store", "queue"):
        if getattr(pipelines, component) is not None and component not in pipelines.needs:
            out.append(warning(f"`pipelines.{component}` is declared but not listed in `pipelines.needs`",
                               where=source.where(("pipelines", component), key=True),
                               path=format_path(("pipelines", component)),
                               hint=f"Add `{component}` to needs, or remove the section.",
                               code="spec.unused"))
    return out


# What each cloud target renders for `pipelines.orchestrator` (the local target runs none).
ORCHESTRATOR_NOT_RENDERED = {
    "kubeflow": ("Kubeflow Pipelines ships kustomize manifests only, no Helm chart (kubeflow/pipelines#12728): "
                 "its dependencies are rendered, KFP itself is installed outside Terraform."),
    "airflow": "Airflow is not rendered yet: its dependencies are, the scheduler is installed outside Terraform.",
}


def _check_autoscaler(platform: Platform, source: Source) -> list[Diagnostic]:
    """An autoscaler the target does not render (`karpenter` off aws) would be silently ignored."""
    autoscaler = platform.cluster.autoscaler
    if autoscaler in offers()[platform.target].autoscalers:
        return []
    return [diagnostics_at(source, ("cluster", "autoscaler"),
                           f"`autoscaler: {autoscaler}` needs the {' or '.join(offered_by('autoscalers', autoscaler))} "
                           f"target, not {platform.target}",
                           "Use `cluster-autoscaler` (the cluster's own autoscaler scales the GPU pools) or `none`.",
                           code="spec.autoscaler")]


def _check_orchestrator(platform: Platform, source: Source) -> list[Diagnostic]:
    """`sagemaker` exists on AWS only; `kubeflow` and `airflow` render no orchestrator, which is said."""
    pipelines = platform.pipelines
    offered = offers()[platform.target].orchestrators
    if pipelines is None or offered is None:
        return []
    path: KeyPath = ("pipelines", "orchestrator")
    if pipelines.orchestrator not in offered:
        owners = " or ".join(offered_by("orchestrators", pipelines.orchestrator))
        return [diagnostics_at(source, path, f"orchestrator `{pipelines.orchestrator}` needs the {owners} target, "
                               f"not {platform.target}",
                               "Use `argo` (rendered as a Helm release on the cluster).", code="spec.orchestrator")]
    why = ORCHESTRATOR_NOT_RENDERED.get(pipelines.orchestrator)
    if why is None or not source.has(path):  # said where it is written, not for the default
        return []
    return [warning(f"orchestrator `{pipelines.orchestrator}` is not installed by the rendered tree",
                    where=source.where(path), path=format_path(path), detail=why,
                    hint="Use `argo` to have Argo Workflows rendered as a Helm release on the cluster.",
                    code="spec.orchestrator")]
