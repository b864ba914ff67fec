"""Cloud facts the azure target relies on, each pinned to the provider schema, doc or issue it comes from."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mlstrata.diagnostics import DiagnosticsError
from mlstrata.hcl import parse_file
from mlstrata.render.tree import module_files, render_tree
from mlstrata.spec.load import load_spec, load_text
from mlstrata.targets.azure import catalog as cat
from mlstrata.targets.registry import TARGETS

REPO = Path(__file__).resolve().parents[2]
MODULES = REPO / "src" / "mlstrata" / "terraform" / "modules" / "azure"
SCHEMA = json.loads((REPO / "tests" / "testdata" / "provider_schemas" / "azurerm.json").read_text())
EXAMPLE = REPO / "examples" / "azure" / "platform.yaml"

# azapi bodies are not covered by any provider schema. Every ARM type + API version used through azapi
# must be listed here with the page that documents that exact version as stable (not -preview).
AZAPI_TYPES = {
    "Microsoft.MachineLearningServices/registries@2025-06-01":
        "https://learn.microsoft.com/azure/templates/microsoft.machinelearningservices/2025-06-01/registries",
    "Microsoft.MachineLearningServices/workspaces@2025-06-01":
        "https://learn.microsoft.com/azure/templates/microsoft.machinelearningservices/2025-06-01/workspaces",
    "Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments@2025-04-01":
        "https://learn.microsoft.com/azure/templates/microsoft.cache/2025-04-01/redisenterprise/databases/"
        "accesspolicyassignments",
}


def _flat(text: str) -> str:
    """HCL with the alignment padding around `=` removed (fmt moves it when neighbours change)."""
    return re.sub(r"[ ]+=[ ]+", " = ", text)


def _azapi_types() -> set[str]:
    found: set[str] = set()
    for tf in MODULES.rglob("*.tf"):
        text = tf.read_text()
        consts = dict(re.findall(r'^\s+(\w+)\s+=\s+"([^"]+)"', text, re.MULTILINE))
        for block in parse_file(tf).body.blocks:
            if block.type == "resource" and block.labels[0].startswith("azapi_"):
                expr = block.body.attributes["type"].expr_text
                resolved = expr.strip('"')
                for name, value in consts.items():
                    resolved = resolved.replace("${local." + name + "}", value)
                resolved = consts.get(resolved.removeprefix("local."), resolved)
                found.add(resolved)
    return found


def test_azapi_resources_use_documented_stable_api_versions() -> None:
    used = _azapi_types()
    assert used, "no azapi resource found: the test would prove nothing"
    assert used <= set(AZAPI_TYPES), f"azapi types without a documented check: {used - set(AZAPI_TYPES)}"
    for type_version in used:
        kind, version = type_version.split("@")
        assert re.fullmatch(r"Microsoft\.[A-Za-z]+(/[A-Za-z]+)+", kind)
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", version), f"{type_version}: preview or malformed API version"
        assert version in AZAPI_TYPES[type_version]


def test_azurerm_has_no_machine_learning_registry_so_azapi_is_needed() -> None:
    """hashicorp/terraform-provider-azurerm#22565 and #27309: no azurerm_machine_learning_registry (4.55.0)."""
    assert "azurerm_machine_learning_workspace" in SCHEMA["resource_types"]
    assert "azurerm_machine_learning_registry" not in SCHEMA["resource_types"]
    readme = (MODULES / "model_registry" / "README.md").read_text()
    assert "#22565" in readme and "#27309" in readme and "Why an Azure ML registry through azapi" in readme


def test_provider_floor_covers_gpu_driver_and_rbac_authorization_enabled() -> None:
    """gpu_driver arrived in azurerm 4.40 (Azure/terraform-azurerm-avm-res-containerservice-managedcluster#115);
    rbac_authorization_enabled in 4.42 (Azure/terraform-azurerm-avm-res-keyvault-vault#329)."""
    assert "gpu_driver" in SCHEMA["resources"]["azurerm_kubernetes_cluster_node_pool"]["attributes"]
    assert "rbac_authorization_enabled" in SCHEMA["resources"]["azurerm_key_vault"]["attributes"]
    for versions in MODULES.glob("*/versions.tf"):
        text = versions.read_text()
        if "hashicorp/azurerm" in text:
            # feast_redis needs azurerm_managed_redis with customer_managed_key.key_vault_key_id (4.55's schema)
            floor = '">= 4.55, < 5.0"' if versions.parent.name == "feast_redis" else '">= 4.42, < 5.0"'
            assert floor in text, versions
    cmk = SCHEMA["resources"]["azurerm_managed_redis"]["blocks"]["customer_managed_key"]["attributes"]
    assert set(cmk) == {"key_vault_key_id", "user_assigned_identity_id"}


def test_gpu_driver_is_always_set_explicitly() -> None:
    """hashicorp/terraform-provider-azurerm#30990: from 4.40 the state of a GPU pool reads gpu_driver = Install;
    a configuration without it forces the pool's replacement."""
    main = (MODULES / "gpu_node_pool" / "main.tf").read_text()
    assert _flat(main).count("gpu_driver = var.gpu_driver") == 2
    tree = render_tree(load_spec(EXAMPLE, targets=TARGETS))
    for rel, text in tree.files.items():
        if rel.startswith("live/") and rel.endswith("base/main.tf"):
            assert text.count('source = "../../../modules/gpu_node_pool"') == text.count("gpu_driver "), rel


def test_only_the_autoscaler_owned_pool_enables_aks_autoscaling() -> None:
    """A pool whose count Terraform owns must not also run AKS's cluster autoscaler: the autoscaler would move
    node_count and every apply would set it back (Azure/terraform-azurerm-aks#91). With autoscaling off the
    provider refuses min_count/max_count ("`max_count` and `min_count` must be set to `null` when
    `enable_auto_scaling` is set to `false`", quoted in scalar-labs/scalar-terraform#272)."""
    pools = {b.labels[1]: b.body for b in parse_file(MODULES / "gpu_node_pool" / "main.tf").body.blocks_of("resource")
             if b.labels[0] == "azurerm_kubernetes_cluster_node_pool"}
    assert set(pools) == {"terraform_owned", "autoscaler_owned"}
    owned, scaled = pools["terraform_owned"], pools["autoscaler_owned"]
    assert owned.attributes["auto_scaling_enabled"].value is False
    assert not {"min_count", "max_count"} & set(owned.attributes)
    assert owned.attributes["node_count"].expr_text == "var.node_count"
    assert not owned.blocks_of("lifecycle")
    assert scaled.attributes["auto_scaling_enabled"].value is True
    assert {"min_count", "max_count", "node_count"} <= set(scaled.attributes)
    ignored = scaled.blocks_of("lifecycle")[0].body.attributes["ignore_changes"].expr_text
    assert "node_count" in ignored


def test_spot_pools_declare_aks_spot_taint_and_label() -> None:
    """hashicorp/terraform-provider-azurerm#25615: without AKS's own spot taint/label declared, every plan churns."""
    main = _flat((MODULES / "gpu_node_pool" / "main.tf").read_text())
    assert '"kubernetes.azure.com/scalesetpriority=spot:NoSchedule"' in main
    assert '"kubernetes.azure.com/scalesetpriority" = "spot"' in main
    assert 'eviction_policy = local.spot ? "Delete" : null' in main


def test_shared_key_free_storage_needs_storage_use_azuread() -> None:
    """Storage accounts refuse shared keys, so the provider must reach them with Entra ID."""
    tree = render_tree(load_spec(EXAMPLE, targets=TARGETS))
    providers = [t for r, t in tree.files.items() if r.endswith("providers.tf") and "azurerm" in t]
    assert providers and all("storage_use_azuread = true" in _flat(t) for t in providers)
    assert "shared_access_key_enabled = false" in _flat((MODULES / "storage_account" / "main.tf").read_text())


def test_each_environment_is_pinned_to_its_subscription_and_state_is_per_unit() -> None:
    tree = render_tree(load_spec(EXAMPLE, targets=TARGETS))
    spec = load_spec(EXAMPLE, targets=TARGETS).platform
    keys = set()
    for env, env_spec in spec.environments.items():
        for layer in ("base", "platform"):
            providers = _flat(tree.files[f"live/{env}/{layer}/providers.tf"])
            assert f'subscription_id = "{env_spec.account}"' in providers
            backend = _flat(tree.files[f"live/{env}/{layer}/backend.tf"])
            assert "use_azuread_auth = true" in backend and 'backend "azurerm"' in backend
            key = re.search(r'key\s+= "([^"]+)"', backend)
            assert key is not None
            keys.add(key.group(1))
    assert len(keys) == 2 * len(spec.environments)
    # cross-subscription state: the backend needs no resource group or subscription lookup (data plane only)
    assert "resource_group_name" not in tree.files["live/prod/platform/backend.tf"]


def test_protected_environment_gets_a_private_cluster_and_private_key_vault() -> None:
    tree = render_tree(load_spec(EXAMPLE, targets=TARGETS))
    prod = _flat(tree.files["live/prod/base/main.tf"])
    dev = _flat(tree.files["live/dev/base/main.tf"])
    assert "private_cluster = true" in prod and "private_cluster = false" in dev
    assert "public_network_access_enabled = false" in prod


@pytest.mark.parametrize("size", sorted(cat.GPU_SIZES))
def test_every_catalog_size_has_gpus_and_a_price_series(size: str) -> None:
    info = cat.GPU_SIZES[size]
    assert info.gpus >= 1
    assert info.mig == info.gpu_model.startswith(("A100", "H100", "H200"))


def test_generated_names_fit_azure_limits() -> None:
    long = "a-very-long-platform-name-for-tests"
    assert cat.STORAGE_ACCOUNT.match(cat.storage_account_name(long, "production", "checkpoints", "x"))
    kv = cat.key_vault_name(long, "production", "x")
    assert 3 <= len(kv) <= 24 and re.fullmatch(r"[a-z][a-z0-9-]+[a-z0-9]", kv)
    assert 5 <= len(cat.container_registry_name(long, "production", "x")) <= 50
    assert cat.node_pool_name("gpu-a100-training") == "gpua100train"
    assert len(cat.rotation_name("gpua100train")) <= 12


def test_pool_names_that_collide_as_aks_names_are_refused() -> None:
    from mlstrata.diagnostics import DiagnosticsError

    text = EXAMPLE.read_text().replace("  training:\n", "  serving-training-one:\n").replace(
        "  serving:\n", "  serving-training-two:\n").replace(
        "gpu_pool: serving\n", "gpu_pool: serving-training-two\n")
    with pytest.raises(DiagnosticsError) as info:
        load_text(text, targets=TARGETS)
    (diag,) = [d for d in info.value.diagnostics if d.code == "azure.pool_name"]
    assert "both become AKS pool `servingtrain`" in diag.summary and diag.hint


def test_modules_package_ships_every_azure_module() -> None:
    names = {rel.split("/")[1] for rel in module_files("azure")}
    assert {"network", "aks_cluster", "gpu_node_pool", "key_vault", "storage_account", "model_registry",
            "metadata_store", "pipeline_queue", "pipeline_deps", "observability", "gpu_addons",
            "state_backend", "feast_redis", "ci_runner"} == names


def test_managed_prometheus_scrapes_the_dcgm_exporter_through_its_scrape_configmap() -> None:
    """Azure Monitor's metrics add-on scrapes only default targets, reads no ServiceMonitor CRDs, and runs the
    custom jobs of the `ama-metrics-prometheus-config` ConfigMap (key `prometheus-config`) in kube-system, which
    does not exist by default: https://learn.microsoft.com/azure/azure-monitor/containers/
    prometheus-metrics-scrape-configuration and .../prometheus-metrics-scrape-validate."""
    main = (MODULES / "observability" / "main.tf").read_text()
    block = main[main.index('resource "kubernetes_config_map_v1" "ama_metrics_prometheus_config"'):]
    flat = _flat(block)
    assert 'name = "ama-metrics-prometheus-config"' in flat and 'namespace = "kube-system"' in flat
    assert '"prometheus-config" = yamlencode(' in flat
    assert "count = local.managed_scrape && var.dcgm_exporter ? 1 : 0" in flat
    # the dcgm-exporter chart's pods: app.kubernetes.io/name=dcgm-exporter, metrics on 9400, in var.namespace
    assert '"__meta_kubernetes_pod_label_app_kubernetes_io_name"' in flat and 'regex = "dcgm-exporter"' in flat
    assert 'regex = "9400"' in flat and "names = [var.namespace]" in flat
    assert "prometheus.io/scrape" not in main  # annotation scraping needs a settings ConfigMap nobody writes
    # the unit that calls the module configures the kubernetes provider like the helm provider (kubelogin)
    spec = EXAMPLE.read_text()
    managed = spec.replace("  prometheus: kube_prometheus_stack ", "  prometheus: managed ")
    assert managed != spec
    tree = render_tree(load_text(managed, targets=TARGETS))
    providers = _flat(tree.files["live/prod/platform/providers.tf"])
    assert 'provider "kubernetes"' in providers and providers.count('command = "kubelogin"') == 2
    assert 'source = "hashicorp/kubernetes"' in _flat(tree.files["live/prod/platform/versions.tf"])
    assert 'prometheus_mode = "managed"' in _flat(tree.files["live/prod/platform/main.tf"])


def test_key_vault_key_waits_for_rbac_propagation_like_the_verified_module() -> None:
    """No Azure signal says a role assignment reached the Key Vault data plane and azurerm does not retry a 403,
    so the key waits after the deployer's assignment, as Microsoft's verified module does
    (Azure/terraform-azurerm-avm-res-keyvault-vault main.keys.tf: time_sleep.wait_for_rbac_before_key_operations,
    30 s default, 60-70 s in its examples); the README says it is a heuristic and what to do when it is short."""
    flat = _flat((MODULES / "key_vault" / "main.tf").read_text())
    assert 'create_duration = "90s"' in flat
    wait = flat[flat.index('resource "time_sleep" "rbac_propagation"'):]
    wait = wait[:wait.index("\n}")]
    for grant in ("azurerm_role_assignment.deployer_crypto_officer", "azurerm_role_assignment.cmk_encryption_user",
                  "azurerm_private_endpoint.this"):
        assert grant in wait, grant
    assert "depends_on = [time_sleep.rbac_propagation]" in flat  # the key waits
    assert "wait_for_rbac_before_key_operations" in flat
    readme = (MODULES / "key_vault" / "README.md").read_text()
    assert "heuristic" in readme and "run apply again" in readme


def test_workspace_is_created_with_identity_datastores_because_its_storage_refuses_keys() -> None:
    """The workspace's storage account has shared keys off, so the workspace is created with
    systemDatastoresAuthMode = Identity (https://learn.microsoft.com/azure/machine-learning/
    how-to-disable-local-auth-storage, "Create a new workspace"). azurerm 4.55.0 (the offline schema) has no
    argument for it (hashicorp/terraform-provider-azurerm#22150; `storage_account_access_type` came with #32514,
    after the schema this repository validates against), so the workspace is an azapi_resource with the mode in
    its create body, as Microsoft's verified module declares it
    (Azure/terraform-azurerm-avm-res-machinelearningservices-workspace main.tf)."""
    attributes = SCHEMA["resources"]["azurerm_machine_learning_workspace"]["attributes"]
    assert not any("datastore" in a or "auth_mode" in a or "access_type" in a for a in attributes)
    main = (MODULES / "model_registry" / "main.tf").read_text()
    flat = _flat(main)
    assert 'resource "azurerm_machine_learning_workspace"' not in main and "azapi_update_resource" not in main
    block = flat[flat.index('resource "azapi_resource" "workspace"'):]
    block = block[:block.index('\nresource "')]
    assert "type = local.workspace_api" in block
    for setting in ('systemDatastoresAuthMode = "Identity"', 'publicNetworkAccess = "Disabled"',
                    "v1LegacyMode = false", "hbiWorkspace = var.protect", 'isolationMode = "AllowOnlyApprovedOutbound"',
                    "storageAccount = var.storage_account_id", "keyVault = var.key_vault_id",
                    "containerRegistry = azurerm_container_registry.this.id",
                    "applicationInsights = azurerm_application_insights.this.id"):
        assert setting in block, setting
    assert 'type = "SystemAssigned"' in block
    assert "private_connection_resource_id = azapi_resource.workspace.id" in flat
    assert "value = azapi_resource.workspace.id" in _flat((MODULES / "model_registry" / "outputs.tf").read_text())
    storage = _flat((MODULES / "storage_account" / "main.tf").read_text())
    assert "shared_access_key_enabled = false" in storage
    readme = (MODULES / "model_registry" / "README.md").read_text()
    assert "#22150" in readme and "#32514" in readme and "how-to-disable-local-auth-storage" in readme
    assert "avm-res-machinelearningservices-workspace" in readme


def test_blob_reads_are_logged_without_the_account_key() -> None:
    """Blob resource logs are a diagnostic setting on `<account id>/blobServices/default` with the StorageRead,
    StorageWrite and StorageDelete categories (https://learn.microsoft.com/azure/storage/blobs/
    monitor-blob-storage); azurerm_log_analytics_storage_insights (what checkov's CKV2_AZURE_21 looks for) requires
    storage_account_key, which a shared-key-off account cannot give, so that check stays allowlisted with this
    reason."""
    insights = SCHEMA.get("resources", {}).get("azurerm_log_analytics_storage_insights")
    assert insights is None or insights["attributes"]["storage_account_key"]["required"]
    flat = _flat((MODULES / "storage_account" / "main.tf").read_text())
    block = flat[flat.index('resource "azurerm_monitor_diagnostic_setting" "blob"'):]
    assert 'target_resource_id = "${azurerm_storage_account.this.id}/blobServices/default"' in block
    assert [c for c in ("StorageRead", "StorageWrite", "StorageDelete") if f'category = "{c}"' in block] == [
        "StorageRead", "StorageWrite", "StorageDelete"]
    assert "log_analytics_workspace_id = var.log_analytics_workspace_id" in block
    tree = render_tree(load_spec(EXAMPLE, targets=TARGETS))
    base = _flat(tree.files["live/prod/base/main.tf"])
    calls = base.count('source = "../../../modules/storage_account"')
    assert calls >= 2 and base.count("log_analytics_workspace_id = module.cluster.log_analytics_workspace_id") \
        == calls + 1  # every store, and the ML workspace's Application Insights


def test_node_disks_use_the_customer_managed_key_through_a_disk_encryption_set() -> None:
    """AKS encrypts node OS disks (and CSI volumes) with a customer-managed key through a disk encryption set,
    only at cluster creation (https://learn.microsoft.com/azure/aks/azure-disk-customer-managed-keys); the set
    reads the key as its identity, which needs Key Vault Crypto Service Encryption User on an RBAC vault. The
    set waits for that assignment to propagate, as the key waits for the deployer's; the set follows the key's
    rotation with a versionless key id (auto_key_rotation_enabled)."""
    des = SCHEMA["resources"]["azurerm_disk_encryption_set"]
    assert {"key_vault_key_id", "auto_key_rotation_enabled", "encryption_type"} <= set(des["attributes"])
    assert "disk_encryption_set_id" in SCHEMA["resources"]["azurerm_kubernetes_cluster"]["attributes"]
    kv = _flat((MODULES / "key_vault" / "main.tf").read_text())
    block = kv[kv.index('resource "azurerm_disk_encryption_set" "this"'):]
    assert "key_vault_key_id = azurerm_key_vault_key.this.versionless_id" in block
    assert "auto_key_rotation_enabled = true" in block
    assert "identity_ids = [azurerm_user_assigned_identity.cmk.id]" in block
    assert "depends_on = [time_sleep.cmk_rbac_propagation]" in block
    wait = kv[kv.index('resource "time_sleep" "cmk_rbac_propagation"'):]
    assert "depends_on = [azurerm_role_assignment.cmk_encryption_user]" in wait[:wait.index("}")]
    grant = kv[kv.index('resource "azurerm_role_assignment" "cmk_encryption_user"'):]
    assert 'role_definition_name = "Key Vault Crypto Service Encryption User"' in grant[:grant.index("}")]
    aks = _flat((MODULES / "aks_cluster" / "main.tf").read_text())
    assert "disk_encryption_set_id = var.disk_encryption_set_id" in aks
    reader = aks[aks.index('resource "azurerm_role_assignment" "control_plane_disk_encryption_set"'):]
    assert 'role_definition_name = "Reader"' in reader[:reader.index("}")]
    assert "azurerm_role_assignment.control_plane_disk_encryption_set]" in aks  # the cluster waits for it
    tree = render_tree(load_spec(EXAMPLE, targets=TARGETS))
    for env in ("dev", "staging", "prod"):
        base = _flat(tree.files[f"live/{env}/base/main.tf"])
        assert "disk_encryption_set_id = module.key_vault.disk_encryption_set_id" in base


def test_every_node_pool_encrypts_at_host_and_the_readmes_say_what_it_needs() -> None:
    """Encryption at host needs the Microsoft.Compute/EncryptionAtHost feature registered on the subscription,
    can only be set when a pool is created, and works only with supported VM sizes in a region: Azure publishes
    that as the size's `EncryptionAtHostSupported` SKU capability, not as a list
    (https://learn.microsoft.com/azure/aks/enable-host-encryption)."""
    assert "host_encryption_enabled" in SCHEMA["resources"]["azurerm_kubernetes_cluster_node_pool"]["attributes"]
    default_pool = SCHEMA["resources"]["azurerm_kubernetes_cluster"]["blocks"]["default_node_pool"]
    assert "host_encryption_enabled" in default_pool["attributes"]
    assert _flat((MODULES / "gpu_node_pool" / "main.tf").read_text()).count(
        "host_encryption_enabled = var.host_encryption") == 2
    assert "host_encryption_enabled = var.system_host_encryption" in _flat(
        (MODULES / "aks_cluster" / "main.tf").read_text())
    tree = render_tree(load_spec(EXAMPLE, targets=TARGETS))
    for env in ("dev", "staging", "prod"):
        base = _flat(tree.files[f"live/{env}/base/main.tf"])
        assert base.count('source = "../../../modules/gpu_node_pool"') == base.count("\n  host_encryption = true")
        assert "system_host_encryption = true" in base
    for readme in (MODULES / "aks_cluster" / "README.md", MODULES / "gpu_node_pool" / "README.md"):
        text = readme.read_text()
        assert "Microsoft.Compute/EncryptionAtHost" in text and "EncryptionAtHostSupported" in text, readme
    bootstrap = tree.files["bootstrap/README.md"]
    assert "Microsoft.Compute/EncryptionAtHost" in bootstrap
    for env in ("dev", "staging", "prod"):
        account = load_spec(EXAMPLE, targets=TARGETS).platform.environments[env].account
        assert f"--name EncryptionAtHost --subscription {account}   # {env}" in bootstrap
    for size in ("Standard_ND96isr_H100_v5", "Standard_NC24ads_A100_v4", "Standard_NC40ads_H100_v5",
                 "Standard_D4ds_v5"):
        assert f"az vm list-skus --location eastus2 --size {size} " in bootstrap
    assert "-target=module.network" not in bootstrap  # the pipeline creates the runner: no manual first step


def _block(text: str, start: str) -> str:
    """One top-level block of flattened HCL, from its header to the next top-level block."""
    tail = text[text.index(start):]
    end = tail.find("\nresource ", 1)
    return tail if end < 0 else tail[:end]


def test_protected_environment_ci_runner_is_its_own_root_that_base_peers_with() -> None:
    """A protected environment's Key Vault and AKS API server are private, so CI runs on a self-hosted runner
    that exists before the environment: bootstrap/ci_runner/<env>, with its own state blob and VNet. Base peers
    both ways with it by a resource id known from the spec (base never reads the runner's state) and links every
    private DNS zone to it, so the runner resolves the private endpoints
    (https://learn.microsoft.com/azure/dns/private-dns-virtual-network-links), and the private cluster's own
    zone, which AKS creates in the node resource group for the private FQDN
    (https://learn.microsoft.com/azure/aks/private-clusters, "Virtual network peering"). The key's data-plane
    call waits for the network module (peering and links) through the key_vault call's depends_on."""
    tree = render_tree(load_spec(EXAMPLE, targets=TARGETS))
    runner_files = sorted(r for r in tree.files if r.startswith("bootstrap/ci_runner/"))
    assert runner_files == [f"bootstrap/ci_runner/prod/{n}" for n in
                            ("main.tf", "outputs.tf", "providers.tf", "variables.tf", "versions.tf")]
    versions = _flat(tree.files["bootstrap/ci_runner/prod/versions.tf"])
    assert 'key = "acme-ml/prod/ci_runner.tfstate"' in versions and "use_azuread_auth = true" in versions
    assert 'required_version = ">= 1.11"' in versions  # ephemeral variable + write-only argument
    assert 'subscription_id = "33333333-3333-3333-3333-333333333333"' in tree.files[
        "bootstrap/ci_runner/prod/providers.tf"]
    runner_vnet = ("/subscriptions/33333333-3333-3333-3333-333333333333/resourceGroups/acme-ml-prod-ci-rg/providers/"
                   "Microsoft.Network/virtualNetworks/acme-ml-prod-ci-vnet")
    assert cat.ci_runner_vnet_id("acme-ml", "prod", "33333333-3333-3333-3333-333333333333") == runner_vnet
    module = _flat((MODULES / "ci_runner" / "main.tf").read_text())
    assert 'name = "${var.name}-ci-rg"' in module and 'name = "${var.name}-ci-vnet"' in module
    prod = _flat(tree.files["live/prod/base/main.tf"])
    assert prod.count(f'runner_vnet_id = "{runner_vnet}"') == 2  # network (peering, zone links) and cluster
    for env in ("dev", "staging"):
        assert "runner_vnet_id" not in tree.files[f"live/{env}/base/main.tf"]
        assert not any(r.startswith(f"bootstrap/ci_runner/{env}/") for r in tree.files)
    key_vault = prod[prod.index('module "key_vault"'):]
    assert "depends_on = [module.network]" in key_vault[:key_vault.index('module "cluster"')]
    network = _flat((MODULES / "network" / "main.tf").read_text())
    for peering in ("to_runner", "from_runner"):
        block = _block(network, f'resource "azurerm_virtual_network_peering" "{peering}"')
        assert "allow_virtual_network_access = true" in block
    assert "remote_virtual_network_id = azurerm_virtual_network.this.id" in _block(
        network, 'resource "azurerm_virtual_network_peering" "from_runner"')
    links = _block(network, 'resource "azurerm_private_dns_zone_virtual_network_link" "runner"')
    assert "for_each = var.runner_vnet_id == null ? {} : local.private_dns_zones" in links
    assert "virtual_network_id = var.runner_vnet_id" in links
    aks = _block(_flat((MODULES / "aks_cluster" / "main.tf").read_text()),
                 'resource "azurerm_private_dns_zone_virtual_network_link" "runner"')
    assert "resource_group_name = azurerm_kubernetes_cluster.this.node_resource_group" in aks
    assert "split(\".\", azurerm_kubernetes_cluster.this.private_fqdn), 1," in aks
    assert 'private_dns_zone_id = var.private_cluster ? "System" : null' in _flat(
        (MODULES / "aks_cluster" / "main.tf").read_text())
    for resource in ("azurerm_virtual_network_peering", "azurerm_container_app_job",
                     "azurerm_container_app_environment", "azurerm_key_vault_secret"):
        assert resource in SCHEMA["resources"], resource


def test_the_runner_registration_token_never_reaches_plan_or_state() -> None:
    """The token is an ephemeral variable (Terraform >= 1.10), ephemeral in the root and in the module (the value
    only stays ephemeral through a call chain that declares it so at every level, as Microsoft's verified Key Vault
    module found: Azure/terraform-azurerm-avm-res-keyvault-vault#324), written to the runner's vault through the
    write-only value_wo (hashicorp/terraform-provider-azurerm#28947; Terraform >= 1.11: write-only arguments are
    never persisted to plan or state,
    https://developer.hashicorp.com/terraform/language/resources/ephemeral/write-only); the Container Apps job reads
    it by Key Vault reference with the runner identity, which holds Key Vault Secrets User."""
    secret = SCHEMA["resources"]["azurerm_key_vault_secret"]["attributes"]
    assert {"value_wo", "value_wo_version"} <= set(secret)
    module = _flat((MODULES / "ci_runner" / "main.tf").read_text())
    block = _block(module, 'resource "azurerm_key_vault_secret" "registration_token"')
    assert "value_wo = var.registration_token" in block and "value_wo_version" in block
    assert "\n  value " not in block  # never the persisted argument
    variables = _flat((MODULES / "ci_runner" / "variables.tf").read_text())
    token = variables[variables.index('variable "registration_token"'):]
    token = token[:token.index("\n}")]
    assert "ephemeral = true" in token and "sensitive = true" in token
    job = _block(module, 'resource "azurerm_container_app_job" "runner"')
    assert "key_vault_secret_id = azurerm_key_vault_secret.registration_token.versionless_id" in job
    assert 'role_definition_name = "Key Vault Secrets User"' in module
    assert 'required_version = ">= 1.11"' in _flat((MODULES / "ci_runner" / "versions.tf").read_text())
    tree = render_tree(load_spec(EXAMPLE, targets=TARGETS))
    root_vars = _flat(tree.files["bootstrap/ci_runner/prod/variables.tf"])
    assert "ephemeral = true" in root_vars[root_vars.index('variable "registration_token"'):]
    # the rendered tree only ever passes the variable on: no value is written anywhere
    assigned = [v for t in tree.files.values() for v in re.findall(r"\bregistration_token\s*=\s*(.+)", t)]
    assert assigned == ["var.registration_token"]


def test_runner_scaling_follows_each_ci_engine() -> None:
    """GitHub: KEDA's github-runner scaler (owner, repos, runnerScope, labels; personalAccessToken as its
    authentication parameter: https://keda.sh/docs/latest/scalers/github-runner/), as Microsoft's tutorial runs
    self-hosted runners on Container Apps jobs (https://learn.microsoft.com/azure/container-apps/
    tutorial-ci-cd-runners-jobs). GitLab has no KEDA scaler: a scheduled execution every minute runs
    `gitlab-runner run-single --max-builds 1 --wait-timeout 50` (gitlab-org/gitlab-ci-multi-runner!369). The
    environment's subnet is delegated to Microsoft.App/environments and at least /27
    (https://learn.microsoft.com/azure/container-apps/custom-virtual-networks)."""
    job = SCHEMA["resources"]["azurerm_container_app_job"]["blocks"]
    rules = job["event_trigger_config"]["blocks"]["scale"]["blocks"]["rules"]
    assert {"custom_rule_type", "metadata"} <= set(rules["attributes"])
    assert {"secret_name", "trigger_parameter"} <= set(rules["blocks"]["authentication"]["attributes"])
    assert "cron_expression" in job["schedule_trigger_config"]["attributes"]
    assert "key_vault_secret_id" in job["secret"]["attributes"]
    module = _flat((MODULES / "ci_runner" / "main.tf").read_text())
    assert 'custom_rule_type = "github-runner"' in module and 'trigger_parameter = "personalAccessToken"' in module
    # KEDA counts a queued job whose labels the runner's cover; noDefaultLabels defaults to false, so the default
    # labels (self-hosted, linux, x64) are the runner's too (https://keda.sh/docs/latest/scalers/github-runner/):
    # the jobs' runs-on [self-hosted, <label>] (tests/ci/test_pipelines.py) is scaled on
    assert "noDefaultLabels" not in module
    for key in ("owner = var.github_owner", "repos = var.github_repository", 'runnerScope = "repo"',
                "labels = var.runner_label"):
        assert key in module, key
    assert "cron_expression = var.poll_schedule" in module  # every minute unless the spec narrows it
    assert 'name = "Microsoft.App/environments"' in module
    variables = (MODULES / "ci_runner" / "variables.tf").read_text()
    assert "<= 27" in variables and ">= 24" in variables
    readme = render_tree(load_spec(EXAMPLE, targets=TARGETS)).files["bootstrap/README.md"]
    assert "--max-builds 1 --wait-timeout 50" in readme and "tutorial-ci-cd-runners-jobs" in readme


def test_host_encryption_off_in_a_protected_environment_is_reported_with_how_to_check_the_size() -> None:
    text = EXAMPLE.read_text()
    off_in_prod = text.replace(
        "    overrides:\n      dev:\n        instance_types: [Standard_NC24ads_A100_v4]\n",
        "    overrides:\n      prod:\n        azure: { gpu_driver: Install, encryption_at_host: false }\n"
        "      dev:\n        instance_types: [Standard_NC24ads_A100_v4]\n")
    assert off_in_prod != text
    loaded = load_text(off_in_prod, targets=TARGETS)
    (diag,) = [d for d in loaded.warnings if d.code == "azure.encryption_at_host"]
    assert "GPU pool `training` in protected environment `prod`" in diag.summary
    assert diag.path == "gpu_pools.training.overrides.prod.azure.encryption_at_host"
    assert "--size Standard_ND96isr_H100_v5" in diag.hint and "EncryptionAtHostSupported" in diag.hint
    off_in_dev = text.replace("        azure: { spot_max_price: -1, gpu_instance: MIG3g }",
                              "        azure: { spot_max_price: -1, gpu_instance: MIG3g, encryption_at_host: false }")
    assert off_in_dev != text
    assert not [d for d in load_text(off_in_dev, targets=TARGETS).warnings if d.code == "azure.encryption_at_host"]
    system_off = text.replace("system_pool: { vm_size: Standard_D4ds_v5, min: 2, max: 5 }",
                              "system_pool: { vm_size: Standard_D4ds_v5, min: 2, max: 5, encryption_at_host: false }")
    assert system_off != text
    (diag,) = [d for d in load_text(system_off, targets=TARGETS).warnings if d.code == "azure.encryption_at_host"]
    assert "system pool of protected environment(s) prod" in diag.summary and "Standard_D4ds_v5" in diag.hint
    assert not [d for d in load_text(text, targets=TARGETS).warnings if d.code == "azure.encryption_at_host"]


def test_provider_never_waits_on_the_data_plane_of_private_storage_accounts() -> None:
    """azurerm polls a new storage account's queue and static-website data plane unless
    `features { storage { data_plane_available = false } }` (hashicorp/terraform-provider-azurerm#27818, 4.9.0);
    on a private account and a runner outside the VNet the create then fails after a timeout (#32474). The flag is
    only safe while no module uses queue_properties or static_website, the arguments that need the data plane."""
    tree = render_tree(load_spec(EXAMPLE, targets=TARGETS))
    providers = [t for r, t in tree.files.items() if r.endswith("providers.tf") and 'provider "azurerm"' in t]
    assert len(providers) == 8  # three environments x two layers, bootstrap/state and prod's CI runner
    for text in providers:
        flat = _flat(text)
        assert "storage {\n      data_plane_available = false\n    }" in flat
    for tf in MODULES.rglob("*.tf"):
        text = tf.read_text()
        assert "queue_properties" not in text and "static_website" not in text, tf
    assert "public_network_access_enabled = false" in _flat((MODULES / "storage_account" / "main.tf").read_text())


def test_the_gitlab_runner_poll_is_stated_in_what_it_uses_and_can_be_narrowed(tmp_path: Path) -> None:
    """GitLab's runner polls (a scheduled Container Apps job): bootstrap/README.md states what that uses, from the
    container the module asks for, and `azure.ci_runner.gitlab_poll_schedule` narrows it (5-field cron in UTC:
    https://learn.microsoft.com/azure/container-apps/jobs, "Cron expressions in scheduled jobs are evaluated in
    UTC"); the schedule reaches the job's cron_expression through the root and the module."""
    from mlstrata.targets.azure.render import CI_RUNNER_MEMORY_GIB, CI_RUNNER_VCPU

    container = _flat((MODULES / "ci_runner" / "main.tf").read_text())
    assert f"cpu = {CI_RUNNER_VCPU}\n" in container and f'memory = "{CI_RUNNER_MEMORY_GIB}Gi"' in container
    text = EXAMPLE.read_text()
    default = render_tree(load_spec(EXAMPLE, targets=TARGETS))
    assert 'poll_schedule = "* * * * *"' in _flat(default.files["bootstrap/ci_runner/prod/main.tf"])
    readme = " ".join(default.files["bootstrap/README.md"].split())
    assert "### What the GitLab runner costs" in default.files["bootstrap/README.md"]
    # 2 vCPU x 730 h and 4 GiB x 730 h: one execution running all the time
    assert "up to 5,256,000 vCPU-seconds and 10,512,000 GiB-seconds a month (730 h)" in readme
    assert "narrow the schedule (for example `* 7-19 * * 1-5`)" in readme
    spec = tmp_path / "platform.yaml"
    image = "    image: ghcr.io/acme/mlstrata-ci-runner:2026.12"
    assert image in text
    spec.write_text(text.replace(image, '    gitlab_poll_schedule: "* 7-19 * * 1-5"\n' + image))
    narrowed = render_tree(load_spec(spec, targets=TARGETS))
    assert 'poll_schedule = "* 7-19 * * 1-5"' in _flat(narrowed.files["bootstrap/ci_runner/prod/main.tf"])
    readme = " ".join(narrowed.files["bootstrap/README.md"].split())
    assert "(now `* 7-19 * * 1-5`; cron in UTC" in readme and "uses that share of these figures" in readme
    for bad in ("every minute", "* * * *", "0 0 * * * *"):
        spec.write_text(text.replace(image, f'    gitlab_poll_schedule: "{bad}"\n' + image))
        with pytest.raises(DiagnosticsError) as raised:
            load_spec(spec, targets=TARGETS)
        [problem] = raised.value.diagnostics
        assert problem.where is not None and problem.where.line == text[:text.index(image)].count("\n") + 1
        assert problem.path == "azure.ci_runner.gitlab_poll_schedule"
        assert problem.summary.startswith("value error, not a 5-field cron expression")
        assert "`* 7-19 * * 1-5` (working hours)" in problem.summary


def test_azapi_floor_is_the_first_release_that_knows_our_api_versions() -> None:
    """azapi validates `type` against its embedded schemas (schema_validation_enabled defaults to true) and refuses
    an api-version missing from them at plan: "the argument "type"'s api-version is invalid. The supported versions
    are [...]" (Azure/terraform-provider-azapi internal/services/resource.go, schemaValidate). v2.5.0 (CHANGELOG:
    bicep types updated to ms-henglu/bicep-types-az@a50156f) is the first release whose generated reference lists
    Microsoft.MachineLearningServices/workspaces@2025-06-01 and Microsoft.Cache/redisEnterprise@2025-04-01
    (docs/resources/*.md); v2.4.0's lists neither. The old floor (>= 2.0) admitted releases that fail the plan."""
    from mlstrata.targets.azure.render import AZAPI_PROVIDER

    assert {t.split("@")[1] for t in _azapi_types()} <= {"2025-06-01", "2025-04-01"}, "a new api-version: recheck"
    assert AZAPI_PROVIDER["version"] == ">= 2.5, < 3.0"
    for versions in MODULES.glob("*/versions.tf"):
        text = versions.read_text()
        if "Azure/azapi" in text:
            assert '">= 2.5, < 3.0"' in text, versions
    tree = render_tree(load_spec(EXAMPLE, targets=TARGETS)).files
    pinned = [rel for rel, text in tree.items() if rel.endswith("versions.tf") and "Azure/azapi" in text]
    assert pinned and all('">= 2.5, < 3.0"' in tree[rel] for rel in pinned)
