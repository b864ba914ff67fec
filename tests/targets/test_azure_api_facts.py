"""What the azure target sends where no provider schema checks it (azapi bodies), and the waits and checks that
make a first apply succeed: each fact pinned to the API specification, doc or provider issue it comes from."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mlstrata.diagnostics import DiagnosticsError
from mlstrata.hcl import parse_file
from mlstrata.render.tree import render_tree
from mlstrata.spec.load import load_spec, load_text
from mlstrata.spec.resolve import resolve
from mlstrata.targets.azure.render import online_store_size
from mlstrata.targets.registry import TARGETS

REPO = Path(__file__).resolve().parents[2]
MODULES = REPO / "src" / "mlstrata" / "terraform" / "modules" / "azure"
SCHEMA = json.loads((REPO / "tests" / "testdata" / "provider_schemas" / "azurerm.json").read_text())
EXAMPLE = REPO / "examples" / "azure" / "platform.yaml"

# Microsoft.MachineLearningServices @ 2025-06-01 as generated from the REST API specification
# (Azure/bicep-types-az, generated/machinelearningservices/microsoft.machinelearningservices/2025-06-01/types.md):
# the writable properties of each object our azapi bodies set, and the value sets they document.
API_2025_06_01 = {
    "WorkspaceProperties": {
        "allowPublicAccessWhenBehindVnet", "applicationInsights", "associatedWorkspaces", "containerRegistry",
        "description", "discoveryUrl", "enableDataIsolation", "enableServiceSideCMKEncryption", "encryption",
        "featureStoreSettings", "friendlyName", "hbiWorkspace", "hubResourceId", "imageBuildCompute", "keyVault",
        "managedNetwork", "primaryUserAssignedIdentity", "provisionNetworkNow", "publicNetworkAccess",
        "serverlessComputeSettings", "serviceManagedResourcesSettings", "sharedPrivateLinkResources",
        "storageAccount", "systemDatastoresAuthMode", "v1LegacyMode", "workspaceHubConfig"},
    "RegistryProperties": {
        "discoveryUrl", "intellectualPropertyPublisher", "managedResourceGroup", "managedResourceGroupSettings",
        "mlFlowRegistryUri", "publicNetworkAccess", "regionDetails", "registryPrivateEndpointConnections"},
    "RegistryRegionArmDetails": {"acrDetails", "location", "storageAccountDetails"},
    "SystemCreatedStorageAccount": {"allowBlobPublicAccess", "armResourceId", "storageAccountHnsEnabled",
                                    "storageAccountName", "storageAccountType"},
    "SystemCreatedAcrAccount": {"acrAccountName", "acrAccountSku", "armResourceId"},
}
SYSTEM_DATASTORES_AUTH_MODES = {"AccessKey", "Identity", "UserDelegationSAS"}
ISOLATION_MODES = {"Disabled", "AllowInternetOutbound", "AllowOnlyApprovedOutbound"}
REGISTRY_STORAGE_TYPES = {"Standard_LRS", "Standard_GRS", "Standard_RAGRS", "Standard_ZRS", "Standard_GZRS",
                          "Standard_RAGZRS", "Premium_LRS", "Premium_ZRS"}
# both resource types: name {pattern: "^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$"}
AML_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$")


def _flat(text: str) -> str:
    return re.sub(r"[ ]+=[ ]+", " = ", text)


def _body(resource: str) -> str:
    main = _flat((MODULES / "model_registry" / "main.tf").read_text())
    block = main[main.index(f'resource "azapi_resource" "{resource}"'):]
    block = block[:block.index("\n}\n")]
    body = block[block.index("body = {"):]
    return body[:body.index("\n  }\n")]  # the body's own closing brace (two spaces in)


def _keys(text: str) -> set[str]:
    return set(re.findall(r"^\s+(\w+) = ", text, re.MULTILINE))


def test_the_workspace_body_sets_only_properties_of_its_api_version() -> None:
    body = _body("workspace")
    properties = body[body.index("properties = {"):]
    keys = _keys(properties.replace("properties = {", "", 1)) - {"isolationMode"}
    assert keys and keys <= API_2025_06_01["WorkspaceProperties"], keys - API_2025_06_01["WorkspaceProperties"]
    mode = re.search(r'systemDatastoresAuthMode = "(\w+)"', body)
    # Spelled exactly as the specification's enum (WorkspaceProperties.systemDatastoresAuthMode: 'AccessKey' |
    # 'Identity' | 'UserDelegationSAS', Azure/bicep-types-az types.md @ 2025-06-01), not `identity` as some
    # samples write it: azapi sends the body as written, so the spelled value is what the API validates.
    assert mode is not None and mode.group(1) == "Identity" and mode.group(1) in SYSTEM_DATASTORES_AUTH_MODES
    isolation = re.search(r'isolationMode = "(\w+)"', body)
    assert isolation is not None and isolation.group(1) in ISOLATION_MODES
    assert re.search(r'publicNetworkAccess = "(Disabled|Enabled)"', body)


def test_the_registry_body_sets_only_properties_of_its_api_version() -> None:
    body = _body("registry")
    nested = {"regionDetails", "storageAccountDetails", "systemCreatedStorageAccount", "acrDetails",
              "systemCreatedAcrAccount"}
    keys = _keys(body) - {"properties"}
    allowed = set().union(*API_2025_06_01.values()) | nested
    assert keys and keys <= allowed, keys - allowed
    storage = body[body.index("systemCreatedStorageAccount = {"):]
    assert _keys(storage[:storage.index("}")].split("{", 1)[1]) <= API_2025_06_01["SystemCreatedStorageAccount"]
    kind = re.search(r'storageAccountType = "(\w+)"', body)
    assert kind is not None and kind.group(1) in REGISTRY_STORAGE_TYPES
    acr = body[body.index("systemCreatedAcrAccount = {"):]
    assert _keys(acr[:acr.index("}")].split("{", 1)[1]) <= API_2025_06_01["SystemCreatedAcrAccount"]
    versions = _flat((MODULES / "model_registry" / "main.tf").read_text())
    assert 'registry_api_version = "2025-06-01"' in versions
    assert '"Microsoft.MachineLearningServices/workspaces@2025-06-01"' in versions


def test_workspace_and_registry_names_fit_their_pattern_or_validate_refuses_the_spec() -> None:
    """Both names are `^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$`: at most 33 characters, so `<platform>-<env>-registry`
    leaves 24 for `<platform>-<env>` in every environment that holds a registry stage."""
    main = _flat((MODULES / "model_registry" / "main.tf").read_text())
    assert 'name = "${var.name}-mlw"' in main and 'name = "${var.name}-registry"' in main
    spec = load_spec(EXAMPLE, targets=TARGETS).platform
    for env in spec.model_registry.stages if spec.model_registry else []:
        for suffix in ("-mlw", "-registry"):
            assert AML_NAME.match(f"{spec.platform}-{env}{suffix}")
    text = EXAMPLE.read_text().replace("platform: acme-ml  ", "platform: acme-machine-learning  ")
    with pytest.raises(DiagnosticsError) as info:
        load_text(text, "platform.yaml", targets=TARGETS)
    found = [d for d in info.value.diagnostics if d.code == "azure.name"]
    assert [d.summary.split("`")[1] for d in found] == [
        f"acme-machine-learning-{env}-registry" for env in ("dev", "staging", "prod")]
    assert "24" in (found[0].hint or "") and found[0].where is not None


def test_customer_managed_keys_reach_a_private_vault_as_trusted_services() -> None:
    """A vault with public network access disabled still admits "private endpoint traffic and that that
    originates from trusted services" (Key Vault's publicNetworkAccess property, Azure.Provisioning.KeyVault
    KeyVaultProperties.PublicNetworkAccess); storage accounts and disk encryption sets reach their CMK that way,
    so the vault keeps bypass = AzureServices, and each consumer holds Key Vault Crypto Service Encryption User
    through one user-assigned identity (the identity a storage account needs when it is created with a CMK)."""
    kv = _flat((MODULES / "key_vault" / "main.tf").read_text())
    assert 'bypass = "AzureServices"' in kv and 'default_action = "Deny"' in kv
    assert "public_network_access_enabled = var.public_network_access_enabled" in kv
    prod = _flat(render_tree(load_spec(EXAMPLE, targets=TARGETS)).files["live/prod/base/main.tf"])
    vault = prod[prod.index('module "key_vault"'):]
    assert "public_network_access_enabled = false" in vault[:vault.index('module "cluster"')]
    storage = _flat((MODULES / "storage_account" / "main.tf").read_text())
    assert "user_assigned_identity_id = var.cmk_identity_id" in storage
    des = kv[kv.index('resource "azurerm_disk_encryption_set" "this"'):]
    assert "identity_ids = [azurerm_user_assigned_identity.cmk.id]" in des


def test_role_assignments_to_new_identities_skip_the_directory_lookup_and_data_plane_waits_use_time_sleep() -> None:
    """Two different delays. (1) Creating an assignment for a just-created managed identity can fail with
    PrincipalNotFound while Entra ID replicates it: principal_type = "ServicePrincipal" makes ARM skip that lookup
    (Azure/AgentBaker#8251; azurerm's principal_type and skip_service_principal_aad_check,
    hashicorp/terraform-provider-azurerm#4168, do this; azurerm retries PrincipalNotFound since #2204). (2) A
    created assignment still takes minutes to reach a data plane, which azurerm does not wait for and no Azure
    signal reports: depends_on only orders creation, so the data-plane calls wait with time_sleep after it, as
    Microsoft's verified Key Vault module does (wait_for_rbac_before_key_operations)."""
    assert {"principal_type", "skip_service_principal_aad_check"} <= set(
        SCHEMA["resources"]["azurerm_role_assignment"]["attributes"])
    created = re.compile(r"azurerm_user_assigned_identity\.\w+\.principal_id|kubelet")
    checked = 0
    for main in sorted(MODULES.glob("*/main.tf")):
        text = _flat(main.read_text())
        for match in re.finditer(r'resource "azurerm_role_assignment" "(\w+)" \{(.*?)\n\}', text, re.S):
            body = match.group(2)
            principal = re.search(r"principal_id = (.+)", body)
            assert principal is not None
            if created.search(principal.group(1)) or match.group(1) == "acr_pull":
                checked += 1
                assert 'principal_type = "ServicePrincipal"' in body, (main.parent.name, match.group(1))
    assert checked >= 6
    kv = _flat((MODULES / "key_vault" / "main.tf").read_text())
    wait = kv[kv.index('resource "time_sleep" "rbac_propagation"'):]
    wait = wait[:wait.index("\n}")]
    # the key (and with it every consumer of key_id: storage, Service Bus) waits for both grants on the vault
    assert "azurerm_role_assignment.deployer_crypto_officer" in wait
    assert "azurerm_role_assignment.cmk_encryption_user" in wait
    assert 'create_duration = "90s"' in wait


# Microsoft.Cache/redisEnterprise @ 2025-04-01 (Azure/azure-rest-api-specs, specification/redisenterprise/
# resource-manager/Microsoft.Cache/RedisEnterprise/stable/2025-04-01/redisenterprise.json): what the access policy
# assignment's body may and must hold, and the value sets the cache's azurerm arguments are sent as.
REDIS_2025_04_01 = {
    "AccessPolicyAssignmentProperties": {"accessPolicyName", "user"},  # + provisioningState, read-only
    "AccessPolicyAssignmentProperties.required": {"accessPolicyName", "user"},
    "user": {"objectId"},
}
REDIS_ACCESS_POLICY_NAME = re.compile(r"^([a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]|[a-zA-Z0-9])$")
REDIS_ASSIGNMENT_NAME = r"^[A-Za-z0-9]{1,60}$"  # parameters.AccessPolicyAssignmentNameParameter
REDIS_BALANCED_SKUS = {"Balanced_B0", "Balanced_B1", "Balanced_B3", "Balanced_B5", "Balanced_B10", "Balanced_B20",
                       "Balanced_B50", "Balanced_B100", "Balanced_B150", "Balanced_B250", "Balanced_B350",
                       "Balanced_B500", "Balanced_B700", "Balanced_B1000"}  # of definitions.Sku.name's enum
REDIS_DATABASE_ENUMS = {"clientProtocol": {"Encrypted", "Plaintext"},
                        "clusteringPolicy": {"EnterpriseCluster", "OSSCluster"},
                        "evictionPolicy": {"AllKeysLFU", "AllKeysLRU", "AllKeysRandom", "VolatileLRU", "VolatileLFU",
                                           "VolatileTTL", "VolatileRandom", "NoEviction"}}


def test_the_redis_access_policy_assignment_body_is_what_its_api_version_takes() -> None:
    blocks = {tuple(b.labels): b.body for b in parse_file(str(MODULES / "feast_redis" / "main.tf")).body.blocks}
    access = blocks[("azapi_resource", "feast_access")].attributes
    assert access["type"].value.endswith("@2025-04-01")
    body = access["body"].partial_value
    assert set(body) == {"properties"}
    properties = body["properties"]
    assert REDIS_2025_04_01["AccessPolicyAssignmentProperties.required"] <= set(properties) <= \
        REDIS_2025_04_01["AccessPolicyAssignmentProperties"]
    assert set(properties["user"]) == REDIS_2025_04_01["user"]
    # "Only "default" policy is supported for now" (accessPolicyName's description), in its pattern
    assert properties["accessPolicyName"] == "default" and REDIS_ACCESS_POLICY_NAME.match("default")
    # the assignment's name: the module's validation is the API's pattern, and its default fits it
    variables = {b.labels[0]: b.body for b in parse_file(str(MODULES / "feast_redis" / "variables.tf")).body.blocks
                 if b.type == "variable"}
    alias = variables["data_contributor_alias"]
    assert f'"{REDIS_ASSIGNMENT_NAME}"' in alias.blocks_of("validation")[0].body.attributes["condition"].expr_text
    assert re.match(REDIS_ASSIGNMENT_NAME, str(alias.attributes["default"].value))
    # what the cache's database is sent as (azurerm maps its arguments 1:1 onto these enums)
    database = blocks[("azurerm_managed_redis", "this")].blocks_of("default_database")[0].body.attributes
    for argument, api in (("client_protocol", "clientProtocol"), ("clustering_policy", "clusteringPolicy"),
                          ("eviction_policy", "evictionPolicy")):
        assert database[argument].value in REDIS_DATABASE_ENUMS[api], argument
    # every SKU the platform renders is one of the API's
    sizes = {online_store_size(env)[0] for env in resolve(load_spec(EXAMPLE, targets=TARGETS).platform).values()}
    assert sizes == {"Balanced_B0", "Balanced_B1"} and sizes <= REDIS_BALANCED_SKUS
