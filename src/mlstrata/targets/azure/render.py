"""Rendering of the azure target: one root per environment x layer, azurerm state, bootstrap root."""

from __future__ import annotations

import textwrap
from dataclasses import replace

from mlstrata.hcl.write import Blank, Block, Comment, Expr, render_file
from mlstrata.hcl.write import module_call as _module
from mlstrata.hcl.write import output_block as _output
from mlstrata.spec.models import AzureSpec, GpuPoolShape, Layer, Platform, ServingEndpointShape
from mlstrata.spec.resolve import ResolvedEnv, registry_readers
from mlstrata.targets import kubernetes as kube
from mlstrata.targets.azure import catalog as cat
from mlstrata.targets.base import HEADER, TIME_PROVIDER
from mlstrata.targets.bootstrap import local_state_versions

AZURERM_PROVIDER = {"source": "hashicorp/azurerm", "version": ">= 4.42, < 5.0"}
# 2.5: the first release whose embedded schemas know the API versions our azapi resources use (ML 2025-06-01,
# Redis 2025-04-01); with schema validation on (the default) an older one refuses them at plan.
AZAPI_PROVIDER = {"source": "Azure/azapi", "version": ">= 2.5, < 3.0"}
HELM_PROVIDER = {"source": "hashicorp/helm", "version": ">= 3.0, < 4.0"}
KUBERNETES_PROVIDER = {"source": "hashicorp/kubernetes", "version": ">= 2.36, < 3.0"}
REQUIRED_TERRAFORM = ">= 1.10"
# The Entra application every AKS cluster with Entra integration accepts tokens for.
# https://learn.microsoft.com/azure/aks/kubelogin-authentication
AKS_SERVER_APP_ID = "6dae42f8-4368-4678-94ff-3960e28e3630"
GPU_TAINT_KEY = "nvidia.com/gpu"
SPOT_TAINT_KEY = "kubernetes.azure.com/scalesetpriority"

Item = Block | Comment | Blank


def azure_settings(platform: Platform) -> AzureSpec:
    return platform.azure or AzureSpec()


def state_key(platform: Platform, env: str, layer: str) -> str:
    prefix = platform.state.key_prefix or platform.platform
    return f"{prefix}/{env}/{layer}.tfstate"


def backend_config(platform: Platform, env: str, layer: str) -> dict[str, object]:
    """The azurerm backend settings of one unit (also what terraform_remote_state reads)."""
    return {
        "storage_account_name": platform.state.bucket,
        "container_name": azure_settings(platform).state_container,
        "key": state_key(platform, env, layer),
        # Entra ID data-plane access only: no account keys, no ARM call to the state subscription.
        "use_azuread_auth": True,
    }


def tags(platform: Platform, env: ResolvedEnv | None, layer: str) -> dict[str, str]:
    out = {**platform.tags, **(env.spec.tags if env else {})}
    out.update({"mlstrata-platform": platform.platform, "mlstrata-layer": layer, "managed-by": "mlstrata"})
    if env is not None:
        out["mlstrata-environment"] = env.name
    return dict(sorted(out.items()))


def render_unit(platform: Platform, env: ResolvedEnv, layer: Layer) -> dict[str, str]:
    versions = Block("required_providers").attr("azurerm", dict(AZURERM_PROVIDER))
    if layer == "base":
        versions.attr("azapi", dict(AZAPI_PROVIDER)).attr("time", dict(TIME_PROVIDER))
    else:
        versions.attr("helm", dict(HELM_PROVIDER))
        if platform.feature_store is not None:
            versions.attr("azapi", dict(AZAPI_PROVIDER))  # the online store's access policy assignment
        if _observability(platform):
            versions.attr("kubernetes", dict(KUBERNETES_PROVIDER))
    backend = Block("backend", ["azurerm"])
    for key, value in backend_config(platform, env.name, layer).items():
        backend.attr(key, value)
    backend.add(Comment("Blob leases lock the state. In CI set ARM_USE_OIDC=true (federated credential)."))
    main, outputs = (_base(platform, env) if layer == "base" else _platform(platform, env))
    return {
        "versions.tf": render_file([Block("terraform").attr("required_version", REQUIRED_TERRAFORM).add(versions)],
                                   HEADER),
        "backend.tf": render_file([Block("terraform").add(backend)], HEADER),
        "providers.tf": render_file(_providers(platform, env, layer), HEADER),
        "main.tf": render_file(main, HEADER),
        "outputs.tf": render_file(outputs, HEADER),
    }


# Resource providers a root's resources need beyond the set azurerm registers by default ("legacy":
# hashicorp/terraform-provider-azurerm internal/resourceproviders/required.go). An unregistered namespace fails
# the first create in a new subscription with MissingSubscriptionRegistration
# (https://learn.microsoft.com/azure/azure-resource-manager/troubleshooting/error-register-resource-provider).
CONTAINER_APPS_PROVIDER = "Microsoft.App"  # azurerm_container_app_environment, azurerm_container_app_job
MONITOR_PROVIDER = "Microsoft.Monitor"  # azurerm_monitor_workspace (managed Prometheus)


def _azurerm_provider(subscription: str | None, register: tuple[str, ...] = ()) -> Block:
    provider = Block("provider", ["azurerm"])
    provider.add(Comment("Pinned to the environment's subscription: a dev plan can never touch prod."))
    provider.attr("subscription_id", subscription)
    provider.add(Comment("Storage accounts refuse shared keys; the provider must use Entra ID for them."))
    provider.attr("storage_use_azuread", True)
    if register:
        provider.add(Comment("Namespaces azurerm does not register by default: a new subscription refuses the create."))
        provider.attr("resource_providers_to_register", list(register))
    features = Block("features").add(
        Block("key_vault").attr("purge_soft_delete_on_destroy", False)
        .attr("recover_soft_deleted_key_vaults", True))
    features.add(Block("resource_group").attr("prevent_deletion_if_contains_resources", True))
    # Every storage account but state's is private: without this the provider polls each new account's queue
    # and static-website data plane, which a runner outside the VNet cannot reach, and the create fails after a
    # timeout (hashicorp/terraform-provider-azurerm#32474; the flag since 4.9.0, #27818). No module sets
    # queue_properties or static_website, the only arguments that need it.
    features.add(Block("storage").attr("data_plane_available", False))
    return provider.add(Blank()).add(features)


def _providers(platform: Platform, env: ResolvedEnv, layer: Layer) -> list[Item]:
    managed_prometheus = layer != "base" and _observability(platform) and platform.observability.prometheus and \
        azure_settings(platform).prometheus == "managed"
    items: list[Item] = [_azurerm_provider(env.spec.account, (MONITOR_PROVIDER,) if managed_prometheus else ())]
    if layer == "base":
        items.append(Block("provider", ["azapi"]).attr("subscription_id", env.spec.account))
        return items
    base = "data.terraform_remote_state.base.outputs"
    exec_ = {
        "api_version": "client.authentication.k8s.io/v1beta1",
        "command": "kubelogin",
        "args": ["get-token", "--login", "azurecli", "--server-id", AKS_SERVER_APP_ID],
    }
    helm = Block("provider", ["helm"])
    helm.add(Comment("Entra ID tokens through kubelogin (local accounts are disabled). Private clusters are only"))
    helm.add(Comment("reachable from the VNet and the peered CI runner VNet (bootstrap/ci_runner/<env>)."))
    helm.attr("kubernetes", {
        "host": Expr(f"{base}.cluster_host"),
        "cluster_ca_certificate": Expr(f"base64decode({base}.cluster_ca_certificate)"),
        "exec": exec_,
    })
    items.append(helm)
    if platform.feature_store is not None:
        items += [Blank(), Block("provider", ["azapi"]).attr("subscription_id", env.spec.account)]
    if _observability(platform):
        # the observability module writes managed Prometheus's scrape ConfigMap; same sign-in as Helm
        kubernetes = Block("provider", ["kubernetes"])
        kubernetes.attr("host", Expr(f"{base}.cluster_host"))
        kubernetes.attr("cluster_ca_certificate", Expr(f"base64decode({base}.cluster_ca_certificate)"))
        exec_block = Block("exec")
        for key, value in exec_.items():
            exec_block.attr(key, value)
        items += [Blank(), kubernetes.add(Blank()).add(exec_block)]
    return items


def _observability(platform: Platform) -> bool:
    """The platform layer calls the observability module."""
    obs = platform.observability
    return obs.prometheus or obs.grafana or obs.dcgm_exporter


def _name(platform: Platform, env: str) -> str:
    return f"{platform.platform}-{env}"


def _mod(label: str) -> str:
    return label.replace("-", "_")


def _taint_keys(env: ResolvedEnv) -> list[str]:
    keys = {GPU_TAINT_KEY}
    for pool in env.gpu_pools.values():
        keys.update(t.key for t in pool.taints)
        if pool.capacity == "spot":
            keys.add(SPOT_TAINT_KEY)
    return sorted(keys)


def _gpu_pool(pool_name: str, pool: GpuPoolShape, tag_expr: Expr) -> Block:
    name = cat.node_pool_name(pool_name)
    azure = pool.azure
    desired = pool.scaling.desired
    return _module(
        f"gpu_pool_{_mod(pool_name)}", "gpu_node_pool",
        cluster_id=Expr("module.cluster.cluster_id"), name=name,
        temporary_name_for_rotation=cat.rotation_name(name), vm_size=pool.instance_types[0],
        subnet_id=Expr('module.network.subnet_ids["nodes"]'), zones=list(pool.zones) if pool.zones else None,
        os_sku=azure.os_sku if azure else None, os_disk_size_gb=pool.disk_size_gb,
        min_count=pool.scaling.min, max_count=pool.scaling.max,
        node_count=pool.scaling.min if desired == "autoscaler" else desired,
        c1=Comment("Who owns the node count: `terraform` resets it on every apply; `autoscaler` sets it once."),
        node_count_owner="autoscaler" if desired == "autoscaler" else "terraform",
        taints=[{"key": t.key, "value": t.value, "effect": t.effect} for t in pool.taints],
        labels=dict(sorted({**pool.labels, "mlstrata.dev/gpu-pool": pool_name}.items())),
        priority=cat.PRIORITY.get(pool.capacity, "Regular"),
        spot_max_price=azure.spot_max_price if azure and pool.capacity == "spot" else None,
        gpu_driver=azure.gpu_driver if azure else "Install",
        gpu_instance=azure.gpu_instance if azure else None,
        capacity_reservation_group_id=azure.capacity_reservation_group_id if azure else None,
        host_encryption=azure.encryption_at_host if azure else True,
        max_surge_percentage=pool.max_unavailable_percentage, tags=tag_expr,
    )


def _storage(label: str, name: str, container: str, protect: bool, **extra: object) -> Block:
    return _module(
        label, "storage_account", name=name, location=Expr("module.network.location"),
        resource_group_name=Expr("module.network.resource_group_name"), container_name=container,
        replication_type="GZRS" if protect else "ZRS", protect=protect, **extra,
        key_vault_id=Expr("module.key_vault.key_vault_id"), key_name=Expr("module.key_vault.key_name"),
        cmk_identity_id=Expr("module.key_vault.cmk_identity_id"),
        private_endpoint_subnet_id=Expr('module.network.subnet_ids["private_endpoints"]'),
        private_dns_zone_ids=Expr("module.network.private_dns_zone_ids"),
        log_analytics_workspace_id=Expr("module.cluster.log_analytics_workspace_id"), tags=Expr("local.tags"),
    )


def _base(platform: Platform, env: ResolvedEnv) -> tuple[list[Item], list[Block]]:
    name = _name(platform, env.name)
    protect = env.protect
    azure = azure_settings(platform)
    account = env.spec.account or ""
    main: list[Item] = [
        Comment("Who runs Terraform: tenant of the cluster and Key Vault, and the deployer granted key and"),
        Comment("cluster-admin access below."),
        Block("data", ["azurerm_client_config", "current"]),
        Block("locals").attr("tags", tags(platform, env, "base")),
    ]
    runner_vnet = cat.ci_runner_vnet_id(platform.platform, env.name, account) if protect else None
    main.append(_module(
        "network", "network", name=name, location=env.region, cidr=platform.network.cidr,
        nat_zones=["1"], redis_private_dns_zone=True if platform.feature_store is not None else None,
        c1=Comment("The CI runner's VNet (bootstrap/ci_runner, applied first by the pipeline): peered, DNS-linked.")
        if protect else None,
        runner_vnet_id=runner_vnet, tags=Expr("local.tags"),
    ))
    key_vault = _module(
        "key_vault", "key_vault", name=cat.key_vault_name(platform.platform, env.name, account),
        location=Expr("module.network.location"), resource_group_name=Expr("module.network.resource_group_name"),
        tenant_id=Expr("data.azurerm_client_config.current.tenant_id"),
        deployer_object_id=Expr("data.azurerm_client_config.current.object_id"),
        c1=Comment("Protected environments: private endpoint only (Terraform runs on the peered CI runner)."),
        public_network_access_enabled=not protect,
        allowed_ip_ranges=[] if protect else list(azure.ci_ip_ranges),
        allowed_subnet_ids=Expr('[module.network.subnet_ids["ci_runners"]]'),
        private_endpoint_subnet_id=Expr('module.network.subnet_ids["private_endpoints"]'),
        private_dns_zone_id=Expr('module.network.private_dns_zone_ids["vault"]'), tags=Expr("local.tags"),
    )
    key_vault.add(Blank()).add(Comment("Creating the key is a data-plane call; in protected environments the CI"))
    key_vault.add(Comment("runner makes it through the network's peering and DNS links, so they come first."))
    key_vault.attr("depends_on", [Expr("module.network")])
    main.append(key_vault)
    system = azure.system_pool
    cluster = _module(
        "cluster", "aks_cluster", name=name, location=Expr("module.network.location"),
        resource_group_name=Expr("module.network.resource_group_name"), vnet_id=Expr("module.network.vnet_id"),
        node_subnet_id=Expr('module.network.subnet_ids["nodes"]'),
        kubernetes_version=platform.cluster.kubernetes_version, sku_tier="Standard" if protect else "Free",
        automatic_upgrade_channel=azure.upgrade_channel, azure_policy_enabled=azure.azure_policy,
        c1=Comment("Protected environments get a private API server; CI reaches it from the peered runner VNet."),
        private_cluster=protect, runner_vnet_id=runner_vnet,
        authorized_ip_ranges=None if protect else sorted({*azure.api_server_authorized_ip_ranges, *azure.ci_ip_ranges}),
        egress_ip_addresses=None if protect else [Expr("module.network.nat_public_ip")],
        system_vm_size=system.vm_size, system_min_count=system.min, system_max_count=system.max,
        critical_addons_only=system.critical_addons_only, system_host_encryption=system.encryption_at_host,
        c2=Comment("Node OS disks and CSI volumes: the environment's customer-managed key."),
        disk_encryption_set_id=Expr("module.key_vault.disk_encryption_set_id"),
        tenant_id=Expr("data.azurerm_client_config.current.tenant_id"),
        admin_group_object_ids=list(platform.cluster.admins),
        deployer_object_id=Expr("data.azurerm_client_config.current.object_id"),
        managed_prometheus=azure.prometheus == "managed" and platform.observability.prometheus,
        tags=Expr("local.tags"),
    )
    cluster.add(Blank()).add(Comment("outbound_type userAssignedNATGateway: the NAT gateway must be on the subnet "
                                     "first."))
    cluster.attr("depends_on", [Expr("module.network")])
    main.append(cluster)
    for pool_name, pool in env.gpu_pools.items():
        main.append(_gpu_pool(pool_name, pool, Expr("local.tags")))
    container_ids: list[str] = []
    for store_name, store in platform.artifact_stores.items():
        label = f"artifacts_{_mod(store_name)}"
        main.append(_storage(
            label, cat.storage_account_name(platform.platform, env.name, store_name, account), "artifacts", protect,
            versioning=store.versioning, retention_days=store.retention_days,
            noncurrent_version_retention_days=store.noncurrent_retention_days,
            reader_principal_ids=list(store.readers), writer_principal_ids=list(store.writers),
        ))
        container_ids.append(f"module.{label}.container_id")
    outputs: list[Block] = []
    feature_store = platform.feature_store
    if feature_store is not None:
        main.append(Comment("Feast's offline store (Parquet files) and registry blob, encrypted with the CMK; "
                            "`feast apply` is a release."))
        main.append(_storage(
            "feature_store_storage", cat.storage_account_name(platform.platform, env.name, "features", account),
            # no blob versioning = hierarchical namespace (ADLS Gen2): the abfss:// paths Feast reads
            "features", protect, versioning=False,
            reader_principal_ids=list(feature_store.readers), writer_principal_ids=list(feature_store.writers),
        ))
        container_ids.append("module.feature_store_storage.container_id")
    registry = platform.model_registry
    if registry is not None and env.name in registry.stages:
        readers = registry_readers(platform, env)
        main.append(_storage(
            "registry_storage", cat.storage_account_name(platform.platform, env.name, "registry", account),
            "models", protect, versioning=True,
            noncurrent_version_retention_days=registry.retention_days or 365,
            reader_principal_ids=readers, writer_principal_ids=env.promoters.get(env.name, []),
        ))
        main.append(_module(
            "model_registry", "model_registry", name=name, location=Expr("module.network.location"),
            resource_group_name=Expr("module.network.resource_group_name"),
            resource_group_id=Expr("module.network.resource_group_id"),
            container_registry_name=cat.container_registry_name(platform.platform, env.name, account),
            key_vault_id=Expr("module.key_vault.key_vault_id"),
            storage_account_id=Expr("module.registry_storage.storage_account_id"),
            log_analytics_workspace_id=Expr("module.cluster.log_analytics_workspace_id"),
            private_endpoint_subnet_id=Expr('module.network.subnet_ids["private_endpoints"]'),
            private_dns_zone_ids=Expr("module.network.private_dns_zone_ids"),
            c1=Comment("Only this stage's promoters write its registry; promotion = registering into the next stage."),
            promoter_principal_ids=env.promoters.get(env.name, []),
            reader_principal_ids=readers,
            acr_pull_principals={"kubelet": Expr("module.cluster.kubelet_object_id")},
            protect=protect, tags=Expr("local.tags"),
        ))
        container_ids.append("module.registry_storage.container_id")
        outputs += [
            _output("model_registry_id", "module.model_registry.registry_id", "Azure ML registry of this stage."),
            _output("mlflow_registry_uri", "module.model_registry.mlflow_registry_uri",
                    "MLflow registry URI of this stage's registry."),
            _output("ml_workspace_id", "module.model_registry.workspace_id", "Azure ML workspace."),
        ]
    outputs += [
        _output("resource_group_name", "module.network.resource_group_name", "Resource group of the environment."),
        _output("location", "module.network.location", "Region of the environment."),
        _output("cluster_id", "module.cluster.cluster_id", "AKS cluster id."),
        _output("cluster_name", "module.cluster.cluster_name", "AKS cluster name."),
        _output("cluster_host", "module.cluster.cluster_host", "AKS API server URL."),
        _output("cluster_ca_certificate", "module.cluster.cluster_ca_certificate", "AKS cluster CA (base64).",
                sensitive=True),
        _output("oidc_issuer_url", "module.cluster.oidc_issuer_url", "OIDC issuer for workload identity."),
        _output("subnet_ids", "module.network.subnet_ids", "Subnets by purpose."),
        _output("private_dns_zone_ids", "module.network.private_dns_zone_ids", "Private DNS zones by kind."),
        _output("key_vault_id", "module.key_vault.key_vault_id", "Key Vault of the environment."),
        _output("key_id", "module.key_vault.key_id", "Customer-managed key (versionless)."),
        _output("key_version_id", "module.key_vault.key_version_id",
                "Customer-managed key, its current version (Managed Redis takes no versionless key)."),
        _output("cmk_identity_id", "module.key_vault.cmk_identity_id", "Identity that encrypts with the key."),
        Block("output", ["artifact_container_ids"])
        .attr("description", "Artifact and registry containers by module, for pipeline grants.")
        .attr("value", {c.split(".")[1]: Expr(c) for c in container_ids}),
    ]
    return main, sorted(outputs, key=lambda b: b.labels[0])


def _platform(platform: Platform, env: ResolvedEnv) -> tuple[list[Item], list[Block]]:
    name = _name(platform, env.name)
    protect = env.protect
    azure = azure_settings(platform)
    base = "data.terraform_remote_state.base.outputs"
    remote = Block("data", ["terraform_remote_state", "base"]).attr("backend", "azurerm").attr(
        "config", backend_config(platform, env.name, "base"))
    main: list[Item] = [
        Comment("The base layer (network, cluster, GPU pools, storage) is read, never changed, from here."),
        remote,
        Block("data", ["azurerm_client_config", "current"]),
        Block("locals").attr("tags", tags(platform, env, "platform")),
    ]
    outputs: list[Block] = []
    pipelines = platform.pipelines
    location = Expr(f"{base}.location")
    rg = Expr(f"{base}.resource_group_name")
    account = env.spec.account or ""
    if pipelines is not None:
        needs = set(pipelines.needs)
        grants: dict[str, object] = {}
        registry = platform.model_registry
        if "artifact_store" in needs:
            for store_name in platform.artifact_stores:
                label = f"artifacts_{_mod(store_name)}"
                grants[f"{_mod(store_name)}_blob"] = {
                    "scope": Expr(f'{base}.artifact_container_ids["{label}"]'),
                    "role": "Storage Blob Data Contributor"}
            if registry is not None and env.name in registry.stages:
                grants["registry_models_read"] = {"scope": Expr(f'{base}.artifact_container_ids["registry_storage"]'),
                                                  "role": "Storage Blob Data Reader"}
        if registry is not None and env.name in registry.stages:
            grants["ml_workspace"] = {"scope": Expr(f"{base}.ml_workspace_id"), "role": "AzureML Data Scientist"}
        if pipelines.queue is not None:
            grants["queue_send"] = {"scope": Expr("module.pipeline_queue.queue_id"),
                                    "role": "Azure Service Bus Data Sender"}
            grants["queue_receive"] = {"scope": Expr("module.pipeline_queue.queue_id"),
                                       "role": "Azure Service Bus Data Receiver"}
        main.append(_module(
            "pipeline_deps", "pipeline_deps", name=f"{name}-pipeline-runner", location=location,
            resource_group_name=rg, oidc_issuer_url=Expr(f"{base}.oidc_issuer_url"),
            namespace=pipelines.namespace, service_account=pipelines.service_account,
            role_assignments=dict(sorted(grants.items())), tags=Expr("local.tags"),
        ))
        outputs += [
            _output("pipeline_identity_client_id", "module.pipeline_deps.client_id",
                    "Client id for the pipeline service account's azure.workload.identity/client-id annotation."),
        ]
        if pipelines.metadata_store is not None:
            db = pipelines.metadata_store
            sku = db.instance_class if not db.instance_class.startswith("db.") else "GP_Standard_D2ds_v5"
            main.append(_module(
                "metadata_store", "metadata_store",
                name=cat.postgres_server_name(platform.platform, env.name, account), location=location,
                resource_group_name=rg, tenant_id=Expr("data.azurerm_client_config.current.tenant_id"),
                sku_name=sku, storage_mb=_storage_mb(db.storage_gb),
                backup_retention_days=max(7, db.backup_retention_days),
                subnet_id=Expr(f'{base}.subnet_ids["postgres"]'),
                private_dns_zone_id=Expr(f'{base}.private_dns_zone_ids["postgres"]'),
                c1=Comment("Entra ID only: the pipeline identity administers its metadata database; no password."),
                admin_object_id=Expr("module.pipeline_deps.principal_id"),
                admin_principal_name=Expr("module.pipeline_deps.identity_name"),
                protect=protect, tags=Expr("local.tags"),
            ))
            outputs.append(_output("metadata_store_fqdn", "module.metadata_store.fqdn",
                                   "Pipeline metadata database (Entra ID authentication)."))
        if pipelines.queue is not None:
            q = pipelines.queue
            main.append(_module(
                "pipeline_queue", "pipeline_queue",
                name=cat.servicebus_namespace_name(platform.platform, env.name, account), location=location,
                resource_group_name=rg,
                c1=Comment("Premium (private endpoint, CMK) in protected environments; Standard elsewhere."),
                sku="Premium" if protect else "Standard", public_network_access_enabled=not protect,
                message_retention_hours=q.message_retention_hours,
                lock_duration_seconds=max(5, q.visibility_timeout_seconds), max_delivery_count=q.max_receive_count,
                key_id=Expr(f"{base}.key_id"), cmk_identity_id=Expr(f"{base}.cmk_identity_id"),
                private_endpoint_subnet_id=Expr(f'{base}.subnet_ids["private_endpoints"]'),
                private_dns_zone_id=Expr(f'{base}.private_dns_zone_ids["servicebus"]'), tags=Expr("local.tags"),
            ))
            outputs.append(_output("pipeline_queue_name", "module.pipeline_queue.queue_name", "Pipeline work queue."))
    if env.gpu_pools:
        mig = any(p.azure is not None and p.azure.gpu_instance for p in env.gpu_pools.values())
        main.append(_module(
            "gpu_addons", "gpu_addons", mig_strategy="single" if mig else "none",
            toleration_keys=_taint_keys(env),
        ))
    services_main, services_outputs = kube.platform_services(
        platform, env, lambda: _argo(platform, env), lambda: _kserve(platform, env),
        lambda: _feature_store(platform, env))
    main += services_main
    outputs += services_outputs
    obs = platform.observability
    if _observability(platform):
        main.append(_module(
            "observability", "observability", name=name, location=location, resource_group_name=rg,
            cluster_id=Expr(f"{base}.cluster_id"), prometheus_mode=azure.prometheus, **kube.monitoring_settings(obs),
            toleration_keys=_taint_keys(env), tags=Expr("local.tags"),
        ))
        outputs.append(kube.monitoring_namespace_output())
    return main, sorted(outputs, key=lambda b: b.labels[0])


# AKS workload identity: the service account carries the identity's client id and every pod that uses it
# the label azure.workload.identity/use=true (the webhook injects the token only into labelled pods).
# https://learn.microsoft.com/azure/aks/workload-identity-overview#service-account-labels-and-annotations
WORKLOAD_IDENTITY_LABELS = {"azure.workload.identity/use": "true"}


def _workload_identity(label: str) -> tuple[dict[str, object], dict[str, object]]:
    client_id = Expr(f"module.{label}.client_id")
    return {"azure.workload.identity/client-id": client_id}, {"client_id": client_id}


def _argo(platform: Platform, env: ResolvedEnv) -> Block:
    """Argo Workflows as the pipeline identity (workload identity): artifacts in the first artifact store's
    container through Entra ID (useSDKCreds). No workflow archive: the metadata store takes Entra ID tokens
    only, and Argo's archive logs in with a user name and password."""
    pipelines = platform.pipelines
    assert pipelines is not None
    annotations, _ = _workload_identity("pipeline_deps")
    wiring = kube.ArgoWiring(annotations=annotations, pod_labels=dict(WORKLOAD_IDENTITY_LABELS))
    stores = list(platform.artifact_stores)
    if "artifact_store" in set(pipelines.needs) and stores:
        account = cat.storage_account_name(platform.platform, env.name, stores[0], env.spec.account or "")
        # https://argo-workflows.readthedocs.io/en/stable/configure-artifact-repository/#configuring-azure-blob-storage
        wiring = replace(wiring, artifact_comment=f"Artifact store `{stores[0]}` (the first declared), through the "
                         "workflow pods' workload identity (useSDKCreds): no account key.", artifact_repository={
                             "archiveLogs": True, "azure": {"endpoint": f"https://{account}.blob.core.windows.net",
                                                            "container": "artifacts", "useSDKCreds": True}})
    return kube.argo(platform, wiring)


def aks_tolerations(pool: GpuPoolShape) -> list[dict[str, str]]:
    """Tolerations for an AKS GPU pool: its declared taints, and on Spot pools the taint AKS adds itself,
    kubernetes.azure.com/scalesetpriority=spot:NoSchedule (https://learn.microsoft.com/azure/aks/spot-node-pool)."""
    out = [{"key": t.key, "operator": "Equal", "value": t.value, "effect": t.effect} for t in pool.taints]
    spot = {"key": SPOT_TAINT_KEY, "operator": "Equal", "value": "spot", "effect": "NoSchedule"}
    return [*out, spot] if pool.capacity == "spot" and spot not in out else out


def _kserve(platform: Platform, env: ResolvedEnv) -> tuple[list[Item], list[Block]]:
    """KServe on AKS with a workload identity per serving class that reads its registry stage's container."""
    base = "data.terraform_remote_state.base.outputs"
    name = _name(platform, env.name)

    def identity(cls: str, shape: ServingEndpointShape, namespace: str, account: str) -> kube.Workload:
        label = f"serving_identity_{_mod(cls)}"
        stage = str(shape.stage)
        grants: dict[str, object] = {}
        if stage == env.name:
            grants["registry_models_read"] = {"scope": Expr(f'{base}.artifact_container_ids["registry_storage"]'),
                                              "role": "Storage Blob Data Reader"}
        comment = (f"Reads model versions of registry stage `{stage}`, never writes them." if grants else
                   f"Registry stage `{stage}` is another subscription's: list this identity in "
                   "model_registry.readers to read it.")
        module = _module(
            label, "pipeline_deps", name=f"{name}-serve-{cls}", location=Expr(f"{base}.location"),
            resource_group_name=Expr(f"{base}.resource_group_name"), oidc_issuer_url=Expr(f"{base}.oidc_issuer_url"),
            namespace=namespace, service_account=account, c1=Comment(comment),
            role_assignments=grants, tags=Expr("local.tags"),
        )
        annotations, handoff = _workload_identity(label)
        return kube.Workload([module], annotations, handoff, dict(WORKLOAD_IDENTITY_LABELS))

    return kube.kserve(env, identity, aks_tolerations)


def _feature_store(platform: Platform, env: ResolvedEnv) -> tuple[list[Item], list[Block]]:
    """Feast on Azure: Azure Managed Redis (private endpoint, TLS, Entra ID, the environment's CMK) online, the
    base layer's CMK storage account offline, and the workload identity Feast runs as in the cluster."""
    base = "data.terraform_remote_state.base.outputs"
    name = _name(platform, env.name)
    sku, high_availability = online_store_size(env)
    main: list[Item] = [_module(
        "feature_store_identity", "pipeline_deps", name=f"{name}-feast", location=Expr(f"{base}.location"),
        resource_group_name=Expr(f"{base}.resource_group_name"), oidc_issuer_url=Expr(f"{base}.oidc_issuer_url"),
        namespace=kube.FEAST_NAMESPACE, service_account=kube.FEAST_SERVICE_ACCOUNT,
        role_assignments={"features_blob": {"scope": Expr(f'{base}.artifact_container_ids["feature_store_storage"]'),
                                            "role": "Storage Blob Data Contributor"}},
        tags=Expr("local.tags"),
    ), _module(
        "feature_store_online", "feast_redis", location=Expr(f"{base}.location"),
        name=cat.redis_cache_name(platform.platform, env.name, env.spec.account or ""),
        resource_group_name=Expr(f"{base}.resource_group_name"),
        c1=Comment("Protected environments: highly available (zone redundant); elsewhere one node."),
        sku_name=sku, high_availability=high_availability,
        key_version_id=Expr(f"{base}.key_version_id"), cmk_identity_id=Expr(f"{base}.cmk_identity_id"),
        private_endpoint_subnet_id=Expr(f'{base}.subnet_ids["private_endpoints"]'),
        private_dns_zone_id=Expr(f'{base}.private_dns_zone_ids["redis"]'),
        data_contributor_object_id=Expr("module.feature_store_identity.principal_id"),
        tags=Expr("local.tags"),
    )]
    account = cat.storage_account_name(platform.platform, env.name, "features", env.spec.account or "")
    root = f"abfss://features@{account}.dfs.core.windows.net"
    online: dict[str, object] = {
        # EnterpriseCluster: one endpoint that behaves like a single Redis, so Feast's plain redis client
        "type": "redis", "redis_type": "redis", "region": env.region, "connection": Expr(
            '"${module.feature_store_online.redis_hostname}:${module.feature_store_online.redis_port},ssl=true"'),
        "auth": "Microsoft Entra token of the identity (user name: its object id); no access keys"}
    return main, [kube.feast_handoff(platform, root, online, {
        "client_id": Expr("module.feature_store_identity.client_id"), "pod_labels": dict(WORKLOAD_IDENTITY_LABELS)})]


def online_store_size(env: ResolvedEnv) -> tuple[str, bool]:
    """The Feast online store's Azure Managed Redis SKU and high availability: protected environments get a
    replicated, zone-redundant Balanced_B1 (1 GB); others a single-node Balanced_B0 (0.5 GB), which Microsoft
    offers for development and test. https://learn.microsoft.com/azure/redis/overview#choosing-the-right-tier"""
    return ("Balanced_B1", True) if env.protect else ("Balanced_B0", False)


_PG_STORAGE_MB = (32768, 65536, 131072, 262144, 524288, 1048576, 2097152, 4193280, 4194304, 8388608,
                  16777216, 33553408)


def _storage_mb(gb: int) -> int:
    """The smallest PostgreSQL Flexible Server storage size that holds `gb` GiB."""
    wanted = gb * 1024
    return next((mb for mb in _PG_STORAGE_MB if mb >= wanted), _PG_STORAGE_MB[-1])


def render_bootstrap(platform: Platform) -> dict[str, str]:
    azure = azure_settings(platform)
    state = platform.state
    versions = local_state_versions(REQUIRED_TERRAFORM, "azurerm", AZURERM_PROVIDER, "account", "azurerm")
    module = Block("module", ["state_backend"]).attr("source", "../../modules/state_backend").add(Blank())
    module.attr("resource_group_name", azure.state_resource_group or f"{platform.platform}-tfstate")
    module.attr("location", state.region or platform.region).attr("storage_account_name", state.bucket)
    module.attr("container_name", azure.state_container).attr("allowed_ip_ranges", list(azure.ci_ip_ranges))
    module.add(Comment("The identities that run Terraform for every environment (any subscription)."))
    module.attr("state_writer_principal_ids", list(azure.state_writers))
    if any(env.protect for env in platform.environments.values()):
        module.add(Comment("They also allow a protected environment's CI runner subnet once the pipeline created "
                           "it."))
        module.attr("network_rule_writer_principal_ids", list(azure.state_writers))
    module.attr("tags", tags(platform, None, "bootstrap"))
    outputs = [
        _output("state_storage_account_name", "module.state_backend.storage_account_name",
                "Storage account holding every unit's state."),
        _output("state_container_name", "module.state_backend.container_name", "Container of the state blobs."),
    ]
    files = {
        "bootstrap/state/versions.tf": render_file([versions], HEADER),
        "bootstrap/state/providers.tf": render_file([_azurerm_provider(azure.state_subscription)], HEADER),
        "bootstrap/state/main.tf": render_file([module], HEADER),
        "bootstrap/state/outputs.tf": render_file(outputs, HEADER),
        "bootstrap/README.md": _bootstrap_readme(platform),
    }
    for env_name, env in platform.environments.items():
        if env.protect:
            files.update(_ci_runner_root(platform, env_name))
    return files


CI_RUNNER_DIR = "bootstrap/ci_runner"
# What one runner execution asks for: the container of modules/azure/ci_runner (template.container cpu/memory).
CI_RUNNER_VCPU = 2
CI_RUNNER_MEMORY_GIB = 4
MONTH_SECONDS = 730 * 3600  # the month every mlstrata cost figure uses (730 h)


def _gitlab_runner_cost(schedule: str, runners: int) -> list[str]:
    """What polling costs on GitLab, in the units Azure bills Container Apps by (active vCPU-seconds and
    GiB-seconds); GitHub's runner starts only for queued jobs (KEDA) and costs nothing while idle."""
    vcpu = CI_RUNNER_VCPU * MONTH_SECONDS
    memory = CI_RUNNER_MEMORY_GIB * MONTH_SECONDS
    narrow = ("To pay only for working hours, narrow the schedule (for example `* 7-19 * * 1-5`); jobs queued "
              "outside it wait for the next poll." if schedule == "* * * * *" else
              "This schedule polls only in the minutes it matches, so it uses that share of these figures; jobs "
              "queued outside it wait for the next poll.")
    text = (f"GitLab has no KEDA scaler, so the runner polls: each minute that `azure.ci_runner.gitlab_poll_schedule` "
            f"matches (now `{schedule}`; cron in UTC: https://learn.microsoft.com/azure/container-apps/jobs), one "
            f"execution ({CI_RUNNER_VCPU} vCPU, {CI_RUNNER_MEMORY_GIB} GiB) starts and takes a pending job or exits "
            f"after about 50 s. Polling every minute keeps about one execution running all the time: up to {vcpu:,} "
            f"vCPU-seconds and {memory:,} GiB-seconds a month (730 h) for each protected environment (here "
            f"{runners}), billed at the region's Container Apps consumption rates "
            "(https://azure.microsoft.com/pricing/details/container-apps/) after the subscription's monthly free "
            f"grant. {narrow} A runner on GitHub starts only for queued jobs and costs nothing while idle.")
    return ["### What the GitLab runner costs", "", *textwrap.wrap(text, 105, break_on_hyphens=False,
                                                                    break_long_words=False), ""]
# Write-only arguments and ephemeral variables (the registration token never reaches plan or state).
CI_RUNNER_TERRAFORM = ">= 1.11"


def ci_runner_dir(env: str) -> str:
    """Where a protected environment's CI runner root is rendered (the pipelines apply it first)."""
    return f"{CI_RUNNER_DIR}/{env}"


def _ci_runner_root(platform: Platform, env: str) -> dict[str, str]:
    """A protected environment's self-hosted CI runner: its own root and state blob, applied by the pipeline
    from a hosted runner before any unit of the environment (modules/ci_runner)."""
    azure = azure_settings(platform)
    spec = platform.environments[env]
    account = spec.account or ""
    runner = azure.ci_runner
    versions = Block("terraform").attr("required_version", CI_RUNNER_TERRAFORM).add(
        Block("required_providers").attr("azurerm", dict(AZURERM_PROVIDER)).attr("time", dict(TIME_PROVIDER)))
    backend = Block("backend", ["azurerm"])
    for key, value in backend_config(platform, env, "ci_runner").items():
        backend.attr(key, value)
    variables: list[Item] = []
    for var_name, description, default in (
        ("ci_engine", "github or gitlab: set by the pipeline that applies this root.", None),
        ("github_owner", "GitHub owner of the repository (the pipeline passes github.repository_owner).", ""),
        ("github_repository", "GitHub repository name (the pipeline passes github.event.repository.name).", ""),
        ("gitlab_url", "GitLab instance URL (the pipeline passes CI_SERVER_URL).", "https://gitlab.com"),
    ):
        block = Block("variable", [var_name]).attr("description", description).attr("type", Expr("string"))
        if default is not None:
            block.attr("default", default)
        variables += [block, Blank()]
    variables.append(
        Block("variable", ["registration_token"])
        .attr("description", "Runner registration token, from a CI secret (MLSTRATA_RUNNER_TOKEN): ephemeral, "
              "never in plan or state.")
        .attr("type", Expr("string")).attr("sensitive", True).attr("ephemeral", True).attr("nullable", False))
    variables.append(Blank())
    variables.append(
        Block("variable", ["registration_token_version"])
        .attr("description", "Bump together with a new token to write it to the runner's vault.")
        .attr("type", Expr("number")).attr("default", 1))
    module = Block("module", ["ci_runner"]).attr("source", "../../../modules/ci_runner").add(Blank())
    name = cat.ci_runner_name(platform.platform, env)
    inputs: dict[str, object] = {
        "name": name, "location": spec.region or platform.region, "cidr": runner.cidr,
        "key_vault_name": cat.ci_key_vault_name(platform.platform, env, account),
        "tenant_id": Expr("data.azurerm_client_config.current.tenant_id"),
        "deployer_object_id": Expr("data.azurerm_client_config.current.object_id"),
        "allowed_ip_ranges": list(azure.ci_ip_ranges), "ci_engine": Expr("var.ci_engine"),
        "runner_label": cat.ci_runner_label(platform.platform, env), "runner_image": runner.image or "",
        "registry_server": runner.registry_server, "github_owner": Expr("var.github_owner"),
        "github_repository": Expr("var.github_repository"), "gitlab_url": Expr("var.gitlab_url"),
        "max_runners": runner.max_runners, "poll_schedule": runner.gitlab_poll_schedule,
        "registration_token": Expr("var.registration_token"),
        "registration_token_version": Expr("var.registration_token_version"),
        "tags": dict(sorted({**platform.tags, **spec.tags, **tags(platform, None, "ci_runner"),
                             "mlstrata-environment": env}.items())),
    }
    for key, value in inputs.items():
        if value is not None:
            module.attr(key, value)
    base_vnet = f"{_name(platform, env)}-vnet"
    main: list[Item] = [
        Comment(f"The self-hosted CI runner of `{env}` (protected: private Key Vault and AKS API server). The"),
        Comment("pipeline plans this root, runs the review gate on the plan and, once the environment's reviewers"),
        Comment("approve, applies that saved plan from a hosted runner before any unit of the environment; the"),
        Comment(f"base layer then peers {base_vnet} with this VNet and links its private DNS zones to it."),
        Block("data", ["azurerm_client_config", "current"]), module,
    ]
    outputs = [
        _output("runner_vnet_id", "module.ci_runner.vnet_id", "Runner VNet (the base layer peers with it)."),
        _output("runner_subnet_id", "module.ci_runner.subnet_id", "Runner subnet (allowed on the state account)."),
        _output("runner_job_name", "module.ci_runner.job_name", "Container Apps job running the runner."),
        _output("runner_resource_group_name", "module.ci_runner.resource_group_name", "Runner resource group."),
    ]
    root = ci_runner_dir(env)
    return {
        f"{root}/versions.tf": render_file([versions, Block("terraform").add(backend)], HEADER),
        f"{root}/providers.tf": render_file([_azurerm_provider(account, (CONTAINER_APPS_PROVIDER,))], HEADER),
        f"{root}/variables.tf": render_file(variables, HEADER),
        f"{root}/main.tf": render_file(main, HEADER),
        f"{root}/outputs.tf": render_file(outputs, HEADER),
    }


def _bootstrap_readme(platform: Platform) -> str:
    """What each subscription needs before the first apply, and how to create the state account."""
    azure = azure_settings(platform)
    sizes = {azure.system_pool.vm_size}
    for pool in platform.gpu_pools.values():
        sizes.update(pool.instance_types)
        for override in pool.overrides.values():
            types = override.get("instance_types")
            if isinstance(types, list):
                sizes.update(str(t) for t in types)
    regions = sorted({env.region or platform.region for env in platform.environments.values()})
    lines = [
        "# Bootstrap (azure)",
        "",
        "Once, before the first `mlstrata apply`: prepare every environment's subscription, then create the",
        "storage account that holds every unit's state.",
        "",
        "## 1. Every environment subscription: encryption at host",
        "",
        "Every AKS node pool renders with encryption at host (`host_encryption_enabled = true`: temp disks and",
        "OS disk caches encrypted on the VM host). Creating a cluster or pool with it fails until the",
        "subscription feature `Microsoft.Compute/EncryptionAtHost` is registered",
        "(https://learn.microsoft.com/azure/aks/enable-host-encryption). Register it on each subscription:",
        "",
        "```sh",
    ]
    for name, env in platform.environments.items():
        lines.append(f"az feature register --namespace Microsoft.Compute --name EncryptionAtHost "
                     f"--subscription {env.account}   # {name}")
    lines += [
        "# wait until this prints Registered (minutes), then refresh the provider registration:",
        "az feature show --namespace Microsoft.Compute --name EncryptionAtHost --subscription <id> "
        "--query properties.state -o tsv",
        "az provider register --namespace Microsoft.Compute --subscription <id>",
        "```",
        "",
        "Azure supports encryption at host only on some VM sizes, per region, and publishes that as the size's",
        "`EncryptionAtHostSupported` capability rather than as a list. Check the sizes this spec uses:",
        "",
        "```sh",
    ]
    for region in regions:
        for size in sorted(sizes):
            lines.append(f"az vm list-skus --location {region} --size {size} --query "
                         "\"[].capabilities[?name=='EncryptionAtHostSupported'].value\" -o tsv")
    lines += [
        "```",
        "",
        "A size that prints `False` needs `azure: {encryption_at_host: false}` on its pool (or",
        "`azure.system_pool.encryption_at_host: false`); `mlstrata validate` warns when that happens in a",
        "protected environment.",
        "",
        "## 2. The state account",
        "",
        "```sh",
        "cd bootstrap/state",
        "terraform init",
        "terraform apply",
        "```",
        "",
        "Local state on purpose: this root creates the account every other state lives in (see `versions.tf`).",
        "",
    ]
    protected = [name for name, env in platform.environments.items() if env.protect]
    if protected:
        state_rg = azure.state_resource_group or f"{platform.platform}-tfstate"
        lines += [
            "## 3. Protected environments: CI runs on a runner the pipeline creates",
            "",
            f"In {', '.join(f'`{name}`' for name in protected)} the Key Vault and the AKS API server have no public",
            "endpoint: creating the key (a Key Vault data-plane call, in `base`) and the Helm releases (`platform`)",
            "only work from a network peered with the environment's. So every such environment has its own",
            "CI runner root, `bootstrap/ci_runner/<env>` (state blob `<prefix>/<env>/ci_runner.tfstate`): a small",
            "VNet, a NAT gateway and a Container Apps job that runs one ephemeral runner per CI job",
            "(https://learn.microsoft.com/azure/container-apps/tutorial-ci-cd-runners-jobs). It needs nothing of",
            "the environment, so a hosted runner can apply it first; `base` then peers the environment's VNet",
            "with it and links every private DNS zone (and the private cluster's) to it.",
            "",
            "The rendered pipelines (`mlstrata ci github` / `mlstrata ci gitlab`) do this on every run, in order,",
            "on hosted runners, the way every unit is applied: a `runner plan` job plans the root as the",
            "environment's `plan_role` and runs the review gate on that plan (`mlstrata review`: a blocking finding",
            "stops the pipeline and nothing is applied); then the `runner` job, a deployment to the environment",
            "(its required reviewers approve it, with the plan's review in the plan job's log and summary), applies",
            "exactly that saved plan file as the `ci_role` (a no-op once the runner exists) and allows the runner's",
            "subnet on the state account (same-region requests ignore IP rules; only virtual network rules admit",
            "them: https://learn.microsoft.com/azure/storage/common/storage-network-security). The environment's",
            "plan, apply and drift jobs then run on the runner, selected by its label (GitHub) or tag (GitLab):",
            "",
            "| environment | runner root | label / tag |",
            "| --- | --- | --- |",
        ]
        for name in protected:
            lines.append(f"| `{name}` | `{ci_runner_dir(name)}` | `{cat.ci_runner_label(platform.platform, name)}` |")
        lines += [
            "",
            "What an admin provides once, before the first pipeline:",
            "",
            "- **The runner image** (`azure.ci_runner.image`): the CI engine's runner agent, Python 3.11, the Azure",
            "  CLI and kubelogin (the versions the pipelines pin), git and curl. GitHub: its entrypoint registers an",
            "  ephemeral runner with the labels in `RUNNER_LABELS` for `REPO_URL`, using a registration token from",
            "  `REGISTRATION_TOKEN_API_URL` and the token in `GITHUB_PAT`, then runs one job",
            "  (https://learn.microsoft.com/azure/container-apps/tutorial-ci-cd-runners-jobs). GitLab: it runs",
            "  `gitlab-runner run-single --url \"$CI_SERVER_URL\" --token \"$RUNNER_TOKEN\" --executor shell",
            "  --max-builds 1 --wait-timeout 50` (gitlab-org/gitlab-ci-multi-runner!369), started whenever",
            "  `azure.ci_runner.gitlab_poll_schedule` matches (see **What the GitLab runner costs** below). A",
            "  private registry needs `azure.ci_runner.registry_server` and AcrPull for the runner identity.",
            "- **The registration token** as `MLSTRATA_RUNNER_TOKEN`, readable by the protected environment's jobs",
            "  only: GitHub, a secret of the environment (not of the repository); GitLab, a masked, protected",
            "  variable scoped to the environment. Only the approved `runner` job reads it: the `runner plan` job",
            "  plans without it (it reaches a write-only argument only, so no plan depends on it).",
            "  GitHub: a fine-grained token of the repository with Administration read and write (it registers",
            "  runners) and Actions read (KEDA's github-runner scaler counts queued jobs:",
            "  https://keda.sh/docs/latest/scalers/github-runner/). GitLab: the authentication token (`glrt-...`) of a",
            "  project runner created with the tag above. Terraform writes it to the runner's own Key Vault through a",
            "  write-only argument from an ephemeral variable: it is never in a plan or in state. To rotate it, change",
            "  the secret and bump `registration_token_version` in the root.",
            "- **Roles**: each protected environment's CI identity (`ci_role`) needs, besides its rights in the",
            "  environment's subscription, the state account role `bootstrap/state` grants `state_writers`",
            f"  (`{platform.state.bucket}-state-network-rules`: read and write of the account, nothing else), so the",
            "  `runner` job can allow the runner's subnet. Put that identity's object id in `azure.state_writers`.",
            "",
            "The `runner` job's network rule, for reference (it adds it only while the account lacks it):",
            "",
            "```sh",
        ]
        for name in protected:
            env = platform.environments[name]
            runner = cat.ci_runner_name(platform.platform, name)
            subnet = (f"/subscriptions/{env.account}/resourceGroups/{runner}-ci-rg/providers/"
                      f"Microsoft.Network/virtualNetworks/{runner}-ci-vnet/subnets/runners")
            lines.append(f"az storage account network-rule add --subscription {azure.state_subscription} "
                         f"--resource-group {state_rg} --account-name {platform.state.bucket} --subnet {subnet}")
        lines += [
            "```",
            "",
            "The rule stays out of `bootstrap/state` (the subnet does not exist when that root is applied first);",
            "the state account ignores changes to its subnet rules, so a later bootstrap apply keeps it.",
            "",
            *_gitlab_runner_cost(azure.ci_runner.gitlab_poll_schedule, len(protected)),
        ]
    return "\n".join(lines)
