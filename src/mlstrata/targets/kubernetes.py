"""What the Kubernetes targets (aws, gcp, azure) render alike on their clusters: KServe with a namespace per
serving class, Argo Workflows, and the CI/CD handoff of both. Each cloud passes only what differs: the
identity a class or the workflows run as, and the taints its GPU pools carry on that cloud."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from mlstrata.hcl.write import Blank, Block, Comment, Expr
from mlstrata.hcl.write import module_call as _module
from mlstrata.hcl.write import output_block as _output
from mlstrata.spec.models import GpuPoolShape, ObservabilitySpec, Platform, ServingEndpointShape
from mlstrata.spec.resolve import ResolvedEnv

Item = Block | Comment | Blank
# Every cloud's system pool carries this label (eks_cluster, gke_cluster, aks_cluster modules).
SYSTEM_SELECTOR = {"mlstrata.dev/pool": "system"}
FEAST_NAMESPACE = "feature-store"
FEAST_SERVICE_ACCOUNT = "feast"


def feast_handoff(platform: Platform, root: str, online_store: dict[str, object],
                  identity: dict[str, object]) -> Block:
    """The `feature_store` output: what `feast apply` and the feature server need (feature_store.yaml; the
    registry and offline store under `root`, the cloud's URL of the feature store bucket) and the identity
    Feast runs as in the cluster (`identity`: the cloud's own keys)."""
    output = Block("output", ["feature_store"]).attr(
        "description", "What `feast apply` and the feature server need (feature_store.yaml): project, registry, "
        "offline and online store, and the identity Feast runs as in the cluster.")
    return output.attr("value", {
        "project": feast_project(platform), "registry": f"{root}/registry.pb", "offline_store": f"{root}/offline/",
        "online_store": online_store, "namespace": FEAST_NAMESPACE, "service_account": FEAST_SERVICE_ACCOUNT,
        **identity,
    })


def monitoring_settings(obs: ObservabilitySpec) -> dict[str, object]:
    """The inputs every cloud's `observability` module takes from the spec's observability section."""
    return {"prometheus": obs.prometheus, "grafana": obs.grafana, "dcgm_exporter": obs.dcgm_exporter,
            "prometheus_retention": obs.retention, "grafana_admin_secret_name": obs.grafana_admin_secret}


def monitoring_namespace_output() -> Block:
    return _output("observability_namespace", "module.observability.observability_namespace",
                   "Namespace of the monitoring stack.")


def rollout_surge(replicas: int) -> int:
    """Extra pods a Deployment rollout starts: maxSurge defaults to 25%, rounded up
    (https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#max-surge)."""
    return -(-replicas // 4)


def feast_project(platform: Platform) -> str:
    """Feast project names take letters, digits and underscores only."""
    return platform.platform.replace("-", "_")


def deployment_mode(scale_to_zero: bool) -> str:
    """KServe's deployment mode for a class (the serving.kserve.io/deploymentMode annotation): Standard
    (formerly RawDeployment) runs a Deployment with an HPA, which never goes below one replica
    (kserve/kserve#3514); scaling to zero needs Knative (formerly Serverless)."""
    return "Knative" if scale_to_zero else "Standard"


def or_null(value: int | str | None) -> object:
    return Expr("null") if value is None else value


@dataclass(frozen=True)
class Workload:
    """How one workload (a serving class, the workflows, Feast) is bound to its cloud identity: the identity
    module(s) to render, the service account annotations and pod labels that bind it, and what CI/CD needs
    to know about the identity (role ARN, service account email, client id)."""

    blocks: list[Item]
    annotations: dict[str, object]
    handoff: dict[str, object]
    pod_labels: dict[str, str] = field(default_factory=dict)


# (class name, shape, namespace, service account) -> its identity on this cloud
ClassIdentity = Callable[[str, ServingEndpointShape, str, str], Workload]
# a GPU pool as it is on this cloud's nodes -> the tolerations a pod needs to land there
PoolTolerations = Callable[[GpuPoolShape], list[dict[str, str]]]


def declared_tolerations(pool: GpuPoolShape) -> list[dict[str, str]]:
    """The pool's declared taints as tolerations (what the gpu_node_pool modules put on the nodes)."""
    return [{"key": t.key, "operator": "Equal", "value": t.value, "effect": t.effect} for t in pool.taints]


def serving_placement(pool_name: str | None, env: ResolvedEnv,
                      tolerations: PoolTolerations = declared_tolerations) -> tuple[dict[str, str],
                                                                                   list[dict[str, str]]]:
    """Node selector and tolerations of an endpoint class: its GPU pool's mlstrata label and every taint the
    pool carries on this cloud; CPU classes go to the system pool."""
    if pool_name is None:
        return dict(SYSTEM_SELECTOR), []
    return {"mlstrata.dev/gpu-pool": pool_name}, tolerations(env.gpu_pools[pool_name])


def kserve(env: ResolvedEnv, identity: ClassIdentity,
           tolerations: PoolTolerations = declared_tolerations) -> tuple[list[Item], list[Block]]:
    """KServe on the cluster; per serving class a namespace with a quota, a cloud identity reading the registry
    stage it serves from, and the placement of its GPU pool; the CI/CD handoff as one output."""
    main: list[Item] = []
    classes: dict[str, object] = {}
    annotations: dict[str, object] = {}
    handoff: dict[str, object] = {}
    for cls, shape in env.serving.items():
        namespace = f"serving-{cls}"
        bound = identity(cls, shape, namespace, cls)
        main += bound.blocks
        annotations[cls] = bound.annotations
        selector, tols = serving_placement(shape.gpu_pool, env, tolerations)
        scaling = shape.autoscaling
        gpus = (shape.gpus or 1) if shape.gpu_pool else 0
        # max replicas plus a rolling update's surge pods: a tighter quota deadlocks rollouts
        pods = scaling.max_replicas + rollout_surge(scaling.max_replicas)
        classes[cls] = {
            "namespace": namespace, "service_account": cls,
            "gpu_quota": pods * gpus,
            "pod_quota": pods * 2,  # room for a transformer next to each predictor
            "min_replicas": scaling.min_replicas, "max_replicas": scaling.max_replicas,
            "scale_to_zero": scaling.scale_to_zero,
            "node_selector": selector, "tolerations": tols,
        }
        entry: dict[str, object] = {"endpoint_name": cls, "namespace": namespace, "service_account": cls}
        entry.update(bound.handoff)
        entry.update({
            "model": shape.model, "registry_stage": str(shape.stage), "registry_alias": shape.alias or "",
            "min_replicas": scaling.min_replicas, "max_replicas": scaling.max_replicas,
            "scale_to_zero": scaling.scale_to_zero,
            "deployment_mode": deployment_mode(scaling.scale_to_zero),
            "target_concurrency": or_null(scaling.target_concurrency),
            "target_utilization": or_null(scaling.target_utilization),
            "gpus": gpus, "node_selector": selector, "tolerations": tols,
        })
        if bound.pod_labels:
            entry["pod_labels"] = bound.pod_labels
        handoff[cls] = entry
    knative = any(shape.autoscaling.scale_to_zero for shape in env.serving.values())
    main.append(_module(
        "kserve", "kserve",
        c1=Comment("cert-manager, KServe CRDs, controller and runtimes as ordered releases (kserve/kserve#3894)."),
        classes=classes, service_account_annotations=annotations, node_selector=dict(SYSTEM_SELECTOR),
        c2=Comment("A class scales to zero: Knative Serving first, that class in KServe's Knative mode.")
        if knative else None,
        knative=True if knative else None,
    ))
    return main, [serving_handoff("endpoint name, namespace, service account and identity, registry stage and "
                                  "alias, scaling bounds, placement.", handoff)]


def serving_handoff(what: str, handoff: dict[str, object]) -> Block:
    """The `serving_endpoints` output (the CI/CD handoff of serving, KServe or SageMaker): per serving class,
    `what` the release layer needs to deploy a model version."""
    output = Block("output", ["serving_endpoints"]).attr(
        "description", f"Per serving class, what the release layer (CI/CD) needs to deploy a model version: {what}")
    return output.attr("value", handoff)


@dataclass(frozen=True)
class ArgoWiring:
    """What the declared pipeline dependencies give Argo on one cloud: the workflows' identity binding, the
    artifact repository (the chart's artifactRepository value) and the workflow archive's database."""

    annotations: dict[str, object] = field(default_factory=dict)
    pod_labels: dict[str, str] = field(default_factory=dict)
    artifact_repository: dict[str, object] | None = None
    artifact_comment: str = ""
    archive: dict[str, object] | None = None  # metadata_store_host / _port / _database expressions
    archive_comment: str = ""


def argo(platform: Platform, wiring: ArgoWiring) -> Block:
    """Argo Workflows on the cluster, wired to the declared pipeline dependencies: workflows run as the
    pipeline runner's service account (its cloud identity), artifacts go to the first artifact store, the
    workflow archive to the metadata store."""
    pipelines = platform.pipelines
    assert pipelines is not None
    inputs: dict[str, object] = {"namespace": pipelines.namespace, "service_account": pipelines.service_account}
    if wiring.annotations:
        inputs["service_account_annotations"] = wiring.annotations
    if wiring.pod_labels:
        inputs["workflow_pod_labels"] = wiring.pod_labels
    if wiring.artifact_repository is not None:
        inputs["c0"] = Comment(wiring.artifact_comment)
        inputs["artifact_repository"] = wiring.artifact_repository
    if wiring.archive is not None:
        inputs["c1"] = Comment(wiring.archive_comment)
        inputs.update(wiring.archive)
    inputs["node_selector"] = dict(SYSTEM_SELECTOR)
    return _module("workflow_orchestrator", "workflow_orchestrator", **inputs)


Rendered = tuple[list[Item], list[Block]]


def platform_services(platform: Platform, env: ResolvedEnv, argo: Callable[[], Block],
                      serving: Callable[[], Rendered], feature_store: Callable[[], Rendered]) -> Rendered:
    """The platform layer's services, each where the spec declares it, from the target's own pieces: Argo
    Workflows (`orchestrator: argo`), serving (endpoint classes in this environment, with the target's engine),
    Feast."""
    main: list[Item] = []
    outputs: list[Block] = []
    if platform.pipelines is not None and platform.pipelines.orchestrator == "argo":
        main.append(argo())
        outputs.append(_output("orchestrator_namespace", "module.workflow_orchestrator.orchestrator_namespace",
                               "Namespace Argo Workflows runs pipelines in (CI/CD submits workflows here)."))
    for declared, part in ((bool(env.serving), serving),
                           (platform.feature_store is not None, feature_store)):
        if declared:
            part_main, part_outputs = part()
            main += part_main
            outputs += part_outputs
    return main, outputs
