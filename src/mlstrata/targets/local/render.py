"""The local target: the same spec, provisioned on this machine by mlstrata's own Terraform provider.

Each environment gets a real MLflow registry (with basic-auth users and per-model permissions),
folder-backed artifact buckets, a metadata database and GPU pools checked against the host's GPUs.
Everything lives under `<repo>/.mlstrata/platform/<env>/`, state under `<repo>/.mlstrata/state/`,
and secrets outside the repository.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from mlstrata.diagnostics import Diagnostic
from mlstrata.hcl.write import Blank, Block, Comment, Expr, render_file
from mlstrata.hcl.write import module_call as _module
from mlstrata.hcl.write import output_block as _output
from mlstrata.provider import ADDRESS as PROVIDER_ADDRESS
from mlstrata.provider import POSTGRES_DSN_ENV
from mlstrata.provider import VERSION as PROVIDER_VERSION
from mlstrata.repo import CLI_CONFIG
from mlstrata.spec.models import Layer, Platform
from mlstrata.spec.resolve import ResolvedEnv, online_store
from mlstrata.spec.source import Source
from mlstrata.targets.base import HEADER, UnitFiles
from mlstrata.targets.local import checks
from mlstrata.targets.local import workspace as local_workspace
from mlstrata.targets.local.state import pg_schema, platform_root, state_path
from mlstrata.targets.local.workspace import uses_postgres
from mlstrata.targets.runs import RunVariable

if TYPE_CHECKING:
    from mlstrata.governance.journal import JournalStore

REQUIRED_TERRAFORM = ">= 1.10"
REPO_FROM_UNIT = "${path.root}/../../.."
FIRST_UI_PORT = 5000


class LocalTarget:
    name = "local"
    modules_package = "local"
    plain_terraform_setup: ClassVar[tuple[str, ...]] = (
        "# mlstrata's local provider is installed in a filesystem mirror; `mlstrata plan` writes this config",
        f"export TF_CLI_CONFIG_FILE=$PWD/{CLI_CONFIG}")
    protection: ClassVar[tuple[str, ...]] = (
        "{envs}: buckets (artifact stores and the registry's) are never destroyed while they hold objects,",
        "nor the pipeline metadata store while it holds pipeline metadata (force_destroy off). `mlstrata apply`",
        "asks for the environment by name; `mlstrata destroy` needs it named, confirmed and a --reason.")
    ci_identity = None  # `mlstrata ci` renders no cloud sign-in for the local target
    owned_by_layer: ClassVar[dict[Layer, list[str]]] = {
        "base": ["artifact buckets", "model registry (MLflow, its bucket, registered models)",
                 "service accounts (basic-auth users)", "GPU pools"],
        "platform": ["registry permissions (who may read, register and promote)", "pipeline metadata store",
                     "serving endpoints (`mlflow models serve`)", "feature store (Feast)"],
    }

    def check(self, platform: Platform, source: Source) -> list[Diagnostic]:
        return checks.check(platform, source)

    # ---- rendering ----------------------------------------------------------------------------

    def render_unit(self, platform: Platform, env: ResolvedEnv, layer: Layer) -> UnitFiles:
        header = HEADER
        files = {
            "versions.tf": render_file([_versions()], header),
            "backend.tf": render_file([_backend(platform, env.name, layer)], header),
            "providers.tf": render_file(_providers(platform, env), header),
        }
        main, outputs = (_base if layer == "base" else _platform)(platform, env)
        files["main.tf"] = render_file(main, header)
        files["outputs.tf"] = render_file(outputs, header)
        return UnitFiles(env=env.name, layer=layer, files=files)

    def run_variables(self, platform: Platform, source: Source) -> list[RunVariable]:
        return local_workspace.run_variables(platform, source)

    def first_apply(self, platform: Platform, envs: Mapping[str, ResolvedEnv],
                    modules: Mapping[str, Mapping[str, str]]) -> list[str]:
        return []

    def render_bootstrap(self, platform: Platform) -> dict[str, str]:
        return {}

    def journal(self, platform: Platform, repo: Path, env: str, layer: str,
                environ: Mapping[str, str]) -> tuple[JournalStore | None, list[Diagnostic]]:
        from mlstrata.targets.local import governance as local_governance

        return local_governance.journal(platform, repo, env, layer, environ)

    def rollback_override(self, platform: Platform, repo: Path, env: str, layer: str,
                          rendered: Mapping[str, str]) -> str | None:
        from mlstrata.targets.local import governance as local_governance

        return local_governance.rollback_override(platform, repo, env, layer, rendered)


LOCAL = LocalTarget()


def _versions() -> Block:
    providers = Block("required_providers").attr("mlstrata", {"source": PROVIDER_ADDRESS,
                                                              "version": PROVIDER_VERSION})
    return Block("terraform").attr("required_version", REQUIRED_TERRAFORM).add(providers)


def _backend(platform: Platform, env: str, layer: Layer) -> Block:
    if platform.state.backend == "pg":
        backend = Block("backend", ["pg"]).attr("schema_name", pg_schema(platform, env, layer))
        backend.add(Comment(f"The connection string comes from PG_CONN_STR (mlstrata sets it from "
                            f"${platform.state.conn_str_env})."))
    else:
        backend = Block("backend", ["local"]).attr("path", state_path(env, layer))
    return Block("terraform").add(backend)


def _providers(platform: Platform, env: ResolvedEnv) -> list[Block | Comment | Blank]:
    items: list[Block | Comment | Blank] = []
    provider = Block("provider", ["mlstrata"])
    provider.add(Comment("Everything this environment provisions lives under this folder of the repository."))
    provider.attr("root", Expr(f'abspath("{REPO_FROM_UNIT}/{platform_root(env.name)}")'))
    if uses_postgres(platform):
        # not a variable: Terraform stores variables in plain text in saved plans
        provider.add(Comment(f"The PostgreSQL server comes from ${POSTGRES_DSN_ENV} (mlstrata sets it from "
                             f"${platform.local.postgres_dsn_env if platform.local else ''}), never from a variable."))
    items.insert(0, provider)
    return items


def _accounts(platform: Platform, env: ResolvedEnv) -> list[str]:
    names: set[str] = set()
    if platform.model_registry is not None:
        names.update(env.promoters.get(env.name, []))
        names.update(platform.model_registry.readers)
    for store in platform.artifact_stores.values():
        names.update(store.readers)
        names.update(store.writers)
    if platform.pipelines is not None:
        names.add(platform.pipelines.service_account)
    return sorted(names)


def _ui_port(platform: Platform, env: str) -> int:
    return FIRST_UI_PORT + list(platform.environments).index(env)


def _base(platform: Platform, env: ResolvedEnv) -> tuple[list[Block | Comment | Blank], list[Block]]:
    name = f"{platform.platform}-{env.name}"
    main: list[Block | Comment | Blank] = []
    outputs: list[Block] = []
    runner = platform.pipelines.service_account if platform.pipelines else None
    for store_name, store in platform.artifact_stores.items():
        access = {r: "READ" for r in store.readers} | {w: "WRITE" for w in store.writers}
        if runner is not None and platform.pipelines and "artifact_store" in platform.pipelines.needs:
            access[runner] = "WRITE"
        label = f"artifacts_{store_name.replace('-', '_')}"
        main.append(_module(
            label, "artifact_bucket", name=f"{name}-{store_name}", versioning=store.versioning,
            retention_days=store.retention_days or 0, access=dict(sorted(access.items())), protect=env.protect,
        ))
        outputs.append(_output(f"artifact_bucket_{store_name.replace('-', '_')}_uri", f"module.{label}.bucket_uri",
                               f"Artifact store `{store_name}`."))
    registry = platform.model_registry
    if registry is not None and env.name in registry.stages:
        models = {m: {"description": spec.description, "tags": dict(sorted(spec.tags.items()))}
                  for m, spec in registry.models.items()}
        main.append(_module(
            "model_registry", "model_registry", name=name,
            backend="postgres" if uses_postgres(platform) else "sqlite", port=_ui_port(platform, env.name),
            retention_days=0, models=models, service_accounts=_accounts(platform, env), protect=env.protect,
        ))
        outputs += [
            _output("registry_id", "module.model_registry.registry_id", "Registry of this environment's stage."),
            _output("registry_tracking_uri", "module.model_registry.registry_tracking_uri", "MLflow tracking URI."),
            _output("registry_ui_command", "module.model_registry.registry_ui_command",
                    "Serve the MLflow UI of this registry (basic-auth)."),
            _output("registry_admin_password_file", "module.model_registry.registry_admin_password_file",
                    "File (0600) with the registry admin password."),
            _output("registry_model_names", "module.model_registry.registry_model_names", "Registered models."),
            _output("registry_service_account_password_files",
                    "module.model_registry.registry_service_account_password_files",
                    "Service account -> file (0600) with its password."),
        ]
    for pool_name, pool in env.gpu_pools.items():
        desired = pool.scaling.min if pool.scaling.desired == "autoscaler" else pool.scaling.desired
        label = f"gpu_pool_{pool_name.replace('-', '_')}"
        main.append(_module(
            label, "gpu_pool", name=pool_name, min=pool.scaling.min, max=pool.scaling.max, desired=desired,
            instance_types=list(pool.instance_types),
            labels=dict(sorted({**pool.labels, "mlstrata.dev/gpu-pool": pool_name}.items())),
            taints=[f"{t.key}={t.value}:{t.effect}" for t in pool.taints],
            capacity="SPOT" if pool.capacity == "spot" else "ON_DEMAND",
        ))
        outputs.append(_output(f"gpu_pool_{pool_name.replace('-', '_')}_gpus", f"module.{label}.gpu_pool_gpu_count",
                               f"GPUs on this host for pool `{pool_name}`."))
    if not main:
        main.append(Comment("Nothing in the spec lives in this environment's base layer."))
    return main, sorted(outputs, key=lambda b: b.labels[0])


def _grants(platform: Platform, env: ResolvedEnv) -> dict[str, str]:
    """Readers READ; this stage's promoters EDIT (register and move versions); the pipeline runner
    registers new versions in the first stage only and reads elsewhere."""
    registry = platform.model_registry
    assert registry is not None
    grants = {r: "READ" for r in registry.readers}
    if platform.pipelines is not None:
        runner = platform.pipelines.service_account
        grants[runner] = "EDIT" if registry.stages[0] == env.name else "READ"
    for promoter in env.promoters.get(env.name, []):
        grants[promoter] = "EDIT"
    return dict(sorted(grants.items()))


def _platform(platform: Platform, env: ResolvedEnv) -> tuple[list[Block | Comment | Blank], list[Block]]:
    name = f"{platform.platform}-{env.name}"
    main: list[Block | Comment | Blank] = []
    outputs: list[Block] = []
    registry = platform.model_registry
    if registry is not None and env.name in registry.stages and (registry.models or env.serving):
        remote = Block("data", ["terraform_remote_state", "base"])
        if platform.state.backend == "pg":
            remote.attr("backend", "pg").attr("config", {
                "schema_name": pg_schema(platform, env.name, "base")})
        else:
            remote.attr("backend", "local").attr("config", {"path": state_path(env.name, "base")})
        main += [Comment("The base layer (registry, models, accounts) is read, never changed, from here."), remote]
    if registry is not None and env.name in registry.stages and registry.models:
        main.append(_module(
            "registry_access", "registry_access",
            registry_id=Expr("data.terraform_remote_state.base.outputs.registry_id"),
            model_names=Expr("data.terraform_remote_state.base.outputs.registry_model_names"),
            grants=_grants(platform, env),
        ))
        outputs.append(_output("registry_access_grants", "module.registry_access.registry_access_grants",
                               "Model -> service account -> permission."))
    main_services, service_outputs = _services(platform, env)
    main += main_services
    outputs += service_outputs
    pipelines = platform.pipelines
    if pipelines is not None and pipelines.metadata_store is not None:
        main.append(_module("metadata_store", "metadata_store", name=f"{name}-metadata",
                            backend="postgres" if uses_postgres(platform) else "sqlite", protect=env.protect))
        outputs.append(_output("metadata_store_uri", "module.metadata_store.metadata_store_uri",
                               "Pipeline metadata database (no password)."))
    if not main:
        main.append(Comment("Nothing in the spec lives in this environment's platform layer."))
    return main, sorted(outputs, key=lambda b: b.labels[0])


def _services(platform: Platform, env: ResolvedEnv) -> tuple[list[Block | Comment | Blank], list[Block]]:
    """Serving endpoints (`mlflow models serve` on the environment's registry) and the Feast feature store."""
    name = f"{platform.platform}-{env.name}"
    main: list[Block | Comment | Blank] = []
    outputs: list[Block] = []
    for endpoint_name, endpoint in env.serving.items():
        label = f"serving_endpoint_{endpoint_name.replace('-', '_')}"
        # One server process per endpoint: there is no local autoscaler (the bounds are the clouds').
        main.append(_module(
            label, "serving_endpoint", name=f"{name}-{endpoint_name}",
            registry_id=Expr("data.terraform_remote_state.base.outputs.registry_id"), model=endpoint.model,
            alias=endpoint.alias or "",
        ))
        for output, what in (("url", "Scoring URL base (POST <url>/invocations); empty while waiting for a version."),
                             ("model_uri", "models:/<model>/<version> served."),
                             ("status", "serving, stopped, or waiting for a model version.")):
            outputs.append(_output(f"{label}_{output}", f"module.{label}.serving_endpoint_{output}",
                                   f"Endpoint `{endpoint_name}`: {what}"))
    store = platform.feature_store
    if store is not None:
        main.append(_module("feature_store", "feature_store", name=f"{name}-features",
                            project=name.replace("-", "_"), online_store=online_store(platform),
                            offline_store=store.offline_store))
        outputs += [
            _output("feature_store_repo_path", "module.feature_store.feature_store_repo_path",
                    "Feast repository: feature definitions go here; `feast apply` runs here."),
            _output("feature_store_project", "module.feature_store.feature_store_project", "Feast project."),
        ]
    return main, outputs
