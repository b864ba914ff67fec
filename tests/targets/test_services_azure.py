"""Serving, feature store and orchestrator on Azure: the shared KServe and Argo modules on AKS, bound to
user-assigned identities by workload identity federation; Feast on Azure Cache for Redis (private endpoint,
TLS, Entra ID) and a CMK storage account. Each Azure fact the rendering relies on is asserted with its source."""

from __future__ import annotations

import re

import pytest
from support.rendered import blocks as _blocks
from support.rendered import example_spec, example_tree, modules_dir, unrendered

from mlstrata.hcl import parse_file
from mlstrata.render.tree import render_tree
from mlstrata.spec.load import load_text
from mlstrata.targets.azure import catalog as cat
from mlstrata.targets.registry import TARGETS

AZ_MODULES = modules_dir("azure")
EXAMPLE = example_spec("azure")


@pytest.fixture(scope="module")
def tree() -> dict[str, str]:
    return example_tree("azure")


def test_the_example_renders_serving_feature_store_and_argo_without_an_info(tree: dict[str, str]) -> None:
    assert unrendered("azure") == []
    for name in ("kserve", "workflow_orchestrator", "feast_redis"):
        assert f"modules/{name}/main.tf" in tree, name


def test_classes_bind_workload_identity_with_annotation_and_pod_label(tree: dict[str, str]) -> None:
    """AKS workload identity: the service account is annotated azure.workload.identity/client-id and the pods
    carry the label azure.workload.identity/use=true, without which no token is injected
    (https://learn.microsoft.com/azure/aks/workload-identity-overview#service-account-labels-and-annotations);
    the federated credential's subject is system:serviceaccount:<namespace>:<name>."""
    main = _blocks(tree["live/prod/platform/main.tf"], "module")
    identity = main["serving_identity_fraud_api"].body.attributes
    assert (identity["namespace"].value, identity["service_account"].value) == ("serving-fraud-api", "fraud-api")
    grants = identity["role_assignments"].partial_value
    assert grants == {"registry_models_read": {
        "scope": grants["registry_models_read"]["scope"], "role": "Storage Blob Data Reader"}}
    assert 'artifact_container_ids["registry_storage"]' in identity["role_assignments"].expr_text
    annotations = main["kserve"].body.attributes["service_account_annotations"].expr_text
    assert '"azure.workload.identity/client-id" = module.serving_identity_fraud_api.client_id' in annotations
    handoff = _blocks(tree["live/prod/platform/outputs.tf"], "output")["serving_endpoints"].body.attributes[
        "value"].partial_value["fraud-api"]
    assert handoff["pod_labels"] == {"azure.workload.identity/use": "true"}
    federated = next(b for b in parse_file(str(AZ_MODULES / "pipeline_deps" / "main.tf")).body.blocks
                     if b.labels == ["azurerm_federated_identity_credential", "this"]).body.attributes
    assert federated["subject"].expr_text == '"system:serviceaccount:${var.namespace}:${var.service_account}"'


def test_spot_pools_are_tolerated_with_the_taint_aks_adds(tree: dict[str, str]) -> None:
    """AKS taints every Spot node kubernetes.azure.com/scalesetpriority=spot:NoSchedule
    (https://learn.microsoft.com/azure/aks/spot-node-pool): the dev class (a Spot pool there) tolerates it,
    prod's (on demand) does not; both tolerate the pool's declared taints."""
    tolerations = {}
    for env in ("dev", "prod"):
        cls = _blocks(tree[f"live/{env}/platform/main.tf"], "module")["kserve"].body.attributes[
            "classes"].partial_value["fraud-api"]
        tolerations[env] = cls["tolerations"]
        pool = _blocks(tree[f"live/{env}/base/main.tf"], "module")["gpu_pool_serving"].body.attributes
        declared = [{"key": t["key"], "operator": "Equal", "value": t["value"], "effect": t["effect"]}
                    for t in pool["taints"].value]
        assert cls["tolerations"][:len(declared)] == declared
        assert cls["node_selector"].items() <= pool["labels"].value.items()
    spot = {"key": "kubernetes.azure.com/scalesetpriority", "operator": "Equal", "value": "spot",
            "effect": "NoSchedule"}
    assert spot in tolerations["dev"] and spot not in tolerations["prod"]


def test_argo_reads_blobs_as_its_workload_identity_and_keeps_no_archive(tree: dict[str, str]) -> None:
    """Argo's Azure artifact repository with useSDKCreds uses the pod's workload identity
    (https://argo-workflows.readthedocs.io/en/stable/configure-artifact-repository/#configuring-azure-blob-storage).
    The metadata store takes Entra ID tokens only (PostgreSQL Flexible Server, password auth off) while
    Argo's archive logs in with a user name and password: no archive is wired."""
    argo = _blocks(tree["live/dev/platform/main.tf"], "module")["workflow_orchestrator"].body.attributes
    repo = argo["artifact_repository"].value
    account = cat.storage_account_name("acme-ml", "dev", "datasets", "11111111-1111-1111-1111-111111111111")
    assert isinstance(repo, dict) and repo["azure"]["useSDKCreds"] is True
    assert repo["azure"]["container"] == "artifacts" and repo["azure"]["endpoint"].startswith("https://acmemldev")
    base = _blocks(tree["live/dev/base/main.tf"], "module")["artifacts_datasets"].body.attributes
    assert base["name"].value == account
    assert repo["azure"]["endpoint"] == f"https://{account}.blob.core.windows.net"
    assert argo["workflow_pod_labels"].value == {"azure.workload.identity/use": "true"}
    assert "metadata_store_host" not in argo


def test_feast_online_store_is_private_tls_only_and_keyless(tree: dict[str, str]) -> None:
    """Azure Managed Redis (azurerm_managed_redis, azurerm 4.55 schema): TLS only (client_protocol Encrypted; the
    provider sets minimum TLS 1.2 itself), public network access off (the provider defaults it to "Enabled":
    https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/managed_redis), a private
    endpoint on subresource redisEnterprise in privatelink.redis.azure.net
    (https://learn.microsoft.com/azure/redis/private-link), Entra ID with access keys off and the database's
    "default" access policy assigned to the Feast identity through azapi, since azurerm 4.55 has no assignment
    resource (hashicorp/terraform-provider-azurerm#30938; https://learn.microsoft.com/azure/redis/entra-for-authentication).
    The disks use the environment's customer-managed key (https://learn.microsoft.com/azure/redis/how-to-encryption)."""
    blocks = {tuple(b.labels): b for b in parse_file(str(AZ_MODULES / "feast_redis" / "main.tf")).body.blocks}
    assert ("azurerm_redis_cache", "this") not in blocks, "Azure Cache for Redis is retired: no new caches"
    redis = blocks[("azurerm_managed_redis", "this")].body
    attrs = redis.attributes
    assert attrs["public_network_access"].value == "Disabled"
    database = redis.blocks_of("default_database")[0].body.attributes
    assert database["access_keys_authentication_enabled"].value is False
    assert database["client_protocol"].value == "Encrypted"
    # one endpoint that behaves like a single Redis: Feast's plain redis client (OSS cluster, the default,
    # needs a cluster-aware client: https://learn.microsoft.com/azure/redis/architecture#cluster-policies)
    assert database["clustering_policy"].value == "EnterpriseCluster"
    cmk = redis.blocks_of("customer_managed_key")[0].body.attributes
    # a versioned key URL only ("Key encryption key Url, versioned only", `az redisenterprise create --help`,
    # quoted in mondoohq/cnspec#3665 with the how-to-encryption page): never the base layer's versionless key_id
    assert cmk["key_vault_key_id"].expr_text == "var.key_version_id"
    key_outputs = {b.labels[0]: b.body.attributes["value"].expr_text
                   for b in parse_file(str(AZ_MODULES / "key_vault" / "outputs.tf")).body.blocks}
    assert key_outputs["key_version_id"] == "azurerm_key_vault_key.this.id"
    assert key_outputs["key_id"] == "azurerm_key_vault_key.this.versionless_id"
    assert cmk["user_assigned_identity_id"].expr_text == "var.cmk_identity_id"
    identity = redis.blocks_of("identity")[0].body.attributes
    assert identity["type"].value == "UserAssigned" and identity["identity_ids"].expr_text == "[var.cmk_identity_id]"
    access = blocks[("azapi_resource", "feast_access")].body.attributes
    assert access["type"].value == "Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments@2025-04-01"
    assert access["parent_id"].expr_text == '"${azurerm_managed_redis.this.id}/databases/default"'
    body = access["body"].partial_value["properties"]
    assert body["accessPolicyName"] == "default"  # the only policy the API takes ("Only default is supported")
    assert access["name"].expr_text == "var.data_contributor_alias"
    alias = (AZ_MODULES / "feast_redis" / "variables.tf").read_text()
    assert '"^[A-Za-z0-9]{1,60}$"' in alias  # the API's pattern for assignment names
    endpoint = blocks[("azurerm_private_endpoint", "this")].body.blocks_of("private_service_connection")[0]
    assert endpoint.body.attributes["subresource_names"].value == ["redisEnterprise"]
    assert endpoint.body.attributes["private_connection_resource_id"].expr_text == "azurerm_managed_redis.this.id"
    network = (AZ_MODULES / "network" / "main.tf").read_text()
    assert 'redis = "privatelink.redis.azure.net"' in network and "redis.cache.windows.net\"" not in network
    online = _blocks(tree["live/prod/platform/main.tf"], "module")["feature_store_online"].body.attributes
    assert online["data_contributor_object_id"].expr_text == "module.feature_store_identity.principal_id"
    assert online["private_dns_zone_id"].expr_text.endswith('private_dns_zone_ids["redis"]')
    assert online["key_version_id"].expr_text == "data.terraform_remote_state.base.outputs.key_version_id"
    base_out = _blocks(tree["live/prod/base/outputs.tf"], "output")["key_version_id"].body.attributes["value"]
    assert base_out.expr_text == "module.key_vault.key_version_id"
    assert online["cmk_identity_id"].expr_text == "data.terraform_remote_state.base.outputs.cmk_identity_id"
    assert online["name"].value == cat.redis_cache_name("acme-ml", "prod", "33333333-3333-3333-3333-333333333333")
    base = _blocks(tree["live/prod/base/main.tf"], "module")
    assert base["network"].body.attributes["redis_private_dns_zone"].value is True
    storage = base["feature_store_storage"].body.attributes
    assert storage["key_name"].expr_text == "module.key_vault.key_name", "offline store blobs use the CMK"
    # ADLS Gen2 (the abfss:// paths handed to Feast): the storage_account module enables the hierarchical
    # namespace exactly when blob versioning is off (the two exclude each other on one account)
    assert storage["versioning"].value is False
    assert "hns = !var.versioning" in (AZ_MODULES / "storage_account" / "main.tf").read_text()
    out = _blocks(tree["live/prod/platform/outputs.tf"], "output")["feature_store"].body.attributes["value"]
    assert "ssl=true" in out.expr_text and "registry.pb" in out.expr_text


def test_feast_reads_the_managed_redis_endpoint_from_the_module(tree: dict[str, str]) -> None:
    """Azure Managed Redis listens on port 10000 at <name>.<region>.redis.azure.net, not Azure Cache for Redis's
    6380 at <name>.redis.cache.windows.net (https://learn.microsoft.com/azure/redis/overview): the handoff takes
    host and port from the cache itself (hostname, default_database[0].port), never a literal, and tells Feast
    to use its plain Redis client (redis_type "redis", the EnterpriseCluster policy's single endpoint)."""
    outputs = {b.labels[0]: b.body.attributes["value"].expr_text
               for b in parse_file(str(AZ_MODULES / "feast_redis" / "outputs.tf")).body.blocks}
    assert outputs["redis_hostname"] == "azurerm_managed_redis.this.hostname"
    assert outputs["redis_port"] == "azurerm_managed_redis.this.default_database[0].port"
    for env in ("dev", "staging", "prod"):
        value = _blocks(tree[f"live/{env}/platform/outputs.tf"], "output")["feature_store"].body.attributes["value"]
        online = value.partial_value["online_store"]
        assert online["type"] == "redis" and online["redis_type"] == "redis", env
        assert "${module.feature_store_online.redis_hostname}:${module.feature_store_online.redis_port}" in \
            value.expr_text
        assert "6380" not in value.expr_text and "redis.cache.windows.net" not in value.expr_text


def test_feast_cache_size_and_availability_follow_protection(tree: dict[str, str]) -> None:
    """Protected environments: high availability (a replica of every shard, zone redundant where the region has
    zones: https://learn.microsoft.com/azure/reliability/reliability-managed-redis); others one node on the
    smallest Balanced size. Both are fixed at creation (ForceNew in azurerm), so the choice is rendered, not
    left to the provider's default (high_availability_enabled defaults to true)."""
    for env, (sku, ha) in {"dev": ("Balanced_B0", False), "staging": ("Balanced_B0", False),
                           "prod": ("Balanced_B1", True)}.items():
        online = _blocks(tree[f"live/{env}/platform/main.tf"], "module")["feature_store_online"].body.attributes
        assert (online["sku_name"].value, online["high_availability"].value) == (sku, ha), env
    redis = next(b for b in parse_file(str(AZ_MODULES / "feast_redis" / "main.tf")).body.blocks
                 if b.labels == ["azurerm_managed_redis", "this"]).body.attributes
    assert redis["high_availability_enabled"].expr_text == "var.high_availability"
    assert redis["sku_name"].expr_text == "var.sku_name"


# The REST API's clusterName parameter (Azure/azure-rest-api-specs, specification/redisenterprise/resource-manager/
# Microsoft.Cache/RedisEnterprise/stable/2025-04-01/redisenterprise.json, parameters.ClusterNameParameter): 1-60
# letters, digits and single hyphens. azurerm's own check (ManagedRedisName, 3-63) lets 61-63 through to ARM.
REDIS_CLUSTER_NAME = re.compile(r"^(?=.{1,60}$)[A-Za-z0-9]+(-[A-Za-z0-9]+)*$")


def test_redis_cache_names_are_globally_unique_and_valid() -> None:
    """Cache names are global DNS labels (<name>.<region>.redis.azure.net) of the API's clusterName pattern, also
    within azurerm's (3-63, no two hyphens in a row). The old names allowed 62 characters (platform cut at 38)."""
    a = cat.redis_cache_name("acme-ml", "prod", "sub-a")
    b = cat.redis_cache_name("acme-ml", "prod", "sub-b")
    assert a != b and a.startswith("acme-ml-prod-feast-")
    for platform, env in (("p" * 70, "environment-long"), ("a" * 37 + "-b", "x" * 11 + "-y"), ("ml", "qa")):
        name = cat.redis_cache_name(platform, env, "sub")
        assert REDIS_CLUSTER_NAME.match(name) and len(name) >= 3, name


def test_the_next_stages_promoters_read_this_stage(tree: dict[str, str]) -> None:
    """Promotion reads a model version from the previous stage and registers it into the next one, which only
    the next stage's promoters may write; so each stage's models container (Storage Blob Data Reader:
    https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/storage#storage-blob-data-reader)
    and Azure ML registry (the registry's read-only role) are read by the next stage's promoters, possibly from
    another subscription (object ids are tenant-wide). The last stage has no next one."""
    staging_promoter, prod_promoter, reader = (f"aaaaaaaa-0000-0000-0000-00000000000{i}" for i in (3, 4, 5))
    expected = {"dev": [staging_promoter, reader], "staging": [prod_promoter, reader], "prod": [reader]}
    for env, readers in expected.items():
        modules = _blocks(tree[f"live/{env}/base/main.tf"], "module")
        assert modules["registry_storage"].body.attributes["reader_principal_ids"].value == readers, env
        assert modules["model_registry"].body.attributes["reader_principal_ids"].value == readers, env
    # without promoters of the next stage, only the declared readers
    text = EXAMPLE.read_text().replace('    prod: ["aaaaaaaa-0000-0000-0000-000000000004"]\n', "")
    assert text != EXAMPLE.read_text()
    staging = _blocks(render_tree(load_text(text, targets=TARGETS)).files["live/staging/base/main.tf"], "module")
    assert staging["registry_storage"].body.attributes["reader_principal_ids"].value == [reader]
    grants = AZ_MODULES / "storage_account" / "main.tf"
    assert 'role_definition_name = "Storage Blob Data Reader"' in grants.read_text()
