"""`cluster.autoscaler: karpenter` on AWS: what the spec accepts, what is rendered instead of managed node groups
and cluster-autoscaler, and the AWS and Karpenter facts the modules rely on (each test cites its source)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from mlstrata.diagnostics import DiagnosticsError, Severity
from mlstrata.hcl import parse_file, parse_text
from mlstrata.hcl.model import Block
from mlstrata.render.tree import render_tree
from mlstrata.spec.load import load_spec, load_text
from mlstrata.targets.aws import catalog as cat
from mlstrata.targets.registry import TARGETS

REPO = Path(__file__).resolve().parents[2]
VARIANT = REPO / "tests" / "testdata" / "render" / "aws-karpenter" / "spec.yaml"
AWS_EXAMPLE = REPO / "examples" / "aws" / "platform.yaml"
MODULES = REPO / "src" / "mlstrata" / "terraform" / "modules" / "aws"
CHART = MODULES / "cluster_addons" / "karpenter-node-pools"


def _modules(text: str) -> dict[str, Block]:
    return {b.labels[0]: b for b in parse_text(text, "main.tf").body.blocks if b.type == "module"}


def _resources(module: str) -> dict[tuple[str, str], Block]:
    blocks = parse_file(str(MODULES / module / "main.tf")).body.blocks
    return {(b.labels[0], b.labels[1]): b for b in blocks if b.type == "resource"}


@pytest.fixture(scope="module")
def variant() -> dict[str, str]:
    return render_tree(load_spec(VARIANT, targets=TARGETS)).files


# ---- the spec ----

def _karpenter_example() -> str:
    return AWS_EXAMPLE.read_text().replace("  autoscaler: cluster-autoscaler ", "  autoscaler: karpenter ")


def test_a_fixed_node_count_is_refused_at_its_line() -> None:
    """Karpenter launches nodes for pending pods and removes empty ones; it has no fixed node count
    (https://karpenter.sh/docs/concepts/nodepools/), so `desired: N` could not be honoured."""
    spec = _karpenter_example().replace("      desired: autoscaler         # or a number", "      desired: 2  # or a")
    with pytest.raises(DiagnosticsError) as info:
        load_text(spec, targets=TARGETS)
    (said,) = [d for d in info.value.diagnostics if d.code == "aws.autoscaler" and d.is_error]
    assert said.where is not None and spec.splitlines()[said.where.line - 1].strip().startswith("desired: 2")
    assert "desired: autoscaler" in said.hint and "cluster-autoscaler" in said.hint


def test_a_minimum_is_a_warning_at_its_line_and_the_example_with_karpenter_renders() -> None:
    """The example's serving pool keeps `min: 1` in prod: Karpenter starts it empty, said where min is written."""
    spec = _karpenter_example()
    loaded = load_text(spec, targets=TARGETS)
    warned = [d for d in loaded.warnings if d.code == "aws.autoscaler" and d.severity is Severity.WARNING]
    assert len(warned) == 1 and warned[0].where is not None
    assert "min: 1" in spec.splitlines()[warned[0].where.line - 1] and "placeholder" in warned[0].hint
    files = render_tree(loaded).files
    assert 'module "karpenter"' in files["live/prod/base/main.tf"]


def test_an_unknown_kubernetes_minor_warns_and_the_pinned_chart_covers_the_known_ones() -> None:
    """Kubernetes 1.33 needs Karpenter >= 1.5 (https://karpenter.sh/docs/upgrading/compatibility/, matrix:
    1.31 >= 1.0.5, 1.32 >= 1.2, 1.33 >= 1.5); the chart pinned in modules/cluster_addons is that version."""
    assert all(need <= cat.KARPENTER_CHART_VERSION for need in cat.KARPENTER_MIN_VERSION.values())
    default = {b.labels[0]: b.body.attributes["default"].value
               for b in parse_file(str(MODULES / "cluster_addons" / "variables.tf")).body.blocks
               if "default" in b.body.attributes}["karpenter_chart_version"]
    assert default == ".".join(map(str, cat.KARPENTER_CHART_VERSION))
    spec = VARIANT.read_text().replace('kubernetes_version: "1.33"', 'kubernetes_version: "1.36"')
    loaded = load_text(spec, targets=TARGETS)
    (said,) = [d for d in loaded.warnings if d.code == "aws.autoscaler" and d.severity is Severity.WARNING]
    assert said.where is not None and "kubernetes_version" in spec.splitlines()[said.where.line - 1]
    assert [d for d in load_spec(VARIANT, targets=TARGETS).warnings if d.severity is not Severity.INFO] == []


def test_a_capacity_block_window_is_said_unused_at_its_line() -> None:
    """Karpenter launches into a Capacity Block while it is active and handles its end itself
    (https://karpenter.sh/docs/tasks/odcrs/); the node-group path's scheduled actions are not rendered."""
    spec = VARIANT.read_text().replace("    capacity_reservation_id: cr-0123456789abcdef0\n",
                                       "    capacity_reservation_id: cr-0123456789abcdef0\n"
                                       '    capacity_block_start: "2026-12-01T11:30:00Z"\n', 1)
    loaded = load_text(spec, targets=TARGETS)
    (said,) = [d for d in loaded.warnings if d.severity is Severity.WARNING]
    assert said.where is not None and "capacity_block_start" in spec.splitlines()[said.where.line - 1]
    assert "aws_autoscaling_schedule" not in "".join(render_tree(loaded).files.values())


def test_efa_pools_are_told_there_is_no_placement_group() -> None:
    """Karpenter adds EFA interfaces for pods requesting vpc.amazonaws.com/efa (aws/karpenter-provider-aws#3127)
    but has no placement-group setting (#3324): said as info on the p5/p5e pools only."""
    infos = [d for d in load_spec(VARIANT, targets=TARGETS).warnings
             if d.code == "aws.autoscaler" and d.severity is Severity.INFO]
    assert sorted(d.path for d in infos) == ["gpu_pools.reserved.instance_types", "gpu_pools.training.instance_types"]


# ---- what is rendered ----

def test_no_managed_node_group_per_pool_and_no_cluster_autoscaler_but_the_system_group_stays(
        variant: dict[str, str]) -> None:
    for env in ("dev", "prod"):
        base = _modules(variant[f"live/{env}/base/main.tf"])
        assert not [m for m in base if m.startswith("gpu_pool_")]
        assert base["cluster"].body.attributes["cluster_autoscaler"].value is False
        assert base["karpenter"].body.attributes["cluster_name"].expr_text == "module.cluster.cluster_name"
        tags = base["network"].body.attributes["private_subnet_tags"].value
        assert tags == {"karpenter.sh/discovery": f"vision-{env}"}
        addons = _modules(variant[f"live/{env}/platform/main.tf"])["cluster_addons"].body.attributes
        assert addons["cluster_autoscaler"].value is False
        assert set(addons["karpenter_node_pools"].value) == {"training", "serving", "batch", "reserved"}
    assert "modules/gpu_node_pool/main.tf" not in variant
    # the system node group (eks_cluster) is untainted and labelled for the controller's nodeSelector
    cluster = (MODULES / "eks_cluster" / "main.tf").read_text()
    assert 'labels          = { "mlstrata.dev/pool" = "system" }' in cluster
    addons_main = (MODULES / "cluster_addons" / "main.tf").read_text()
    karpenter = addons_main[addons_main.index('resource "helm_release" "karpenter" {'):]
    assert 'nodeSelector = { "mlstrata.dev/pool" = "system" }' in karpenter[:karpenter.index("\n}\n")]


def test_node_pools_carry_the_labels_and_taints_the_node_groups_would(variant: dict[str, str]) -> None:
    """Pods, KServe placements and the device plugins select nodes by these: switching the autoscaler must not
    change them. Taint effects differ only in spelling (EKS NO_SCHEDULE, Kubernetes NoSchedule)."""
    spelling = {"NO_SCHEDULE": "NoSchedule", "NO_EXECUTE": "NoExecute", "PREFER_NO_SCHEDULE": "PreferNoSchedule"}
    with_ca = VARIANT.read_text().replace("  autoscaler: karpenter\n", "  autoscaler: cluster-autoscaler\n")
    ca = render_tree(load_text(with_ca, targets=TARGETS)).files
    for env in ("dev", "prod"):
        groups = _modules(ca[f"live/{env}/base/main.tf"])
        pools = _modules(variant[f"live/{env}/platform/main.tf"])["cluster_addons"].body.attributes[
            "karpenter_node_pools"].value
        for name, pool in pools.items():
            group = groups[f"gpu_pool_{name}"].body.attributes
            assert pool["labels"] == group["labels"].value
            assert pool["taints"] == [{**t, "effect": spelling[t["effect"]]} for t in group["taints"].value]
            assert pool["instance_types"] == group["instance_types"].value
            assert pool["disk_size_gb"] == group["disk_size_gb"].value


def test_capacity_types_ami_limits_and_zones(variant: dict[str, str]) -> None:
    """karpenter.sh/capacity-type values on-demand, spot and reserved (Capacity Blocks: v1.6+,
    https://karpenter.sh/docs/tasks/odcrs/); amiSelectorTerms aliases al2023@latest / bottlerocket@latest
    (https://karpenter.sh/docs/concepts/nodeclasses/); limits = max nodes x GPUs per node (p5.48xlarge and
    p5e.48xlarge: 8, g6.2xlarge: 1; https://docs.aws.amazon.com/ec2/latest/instancetypes/ac.html)."""
    prod = _modules(variant["live/prod/platform/main.tf"])["cluster_addons"].body.attributes
    pools = prod["karpenter_node_pools"].value
    assert pools["training"]["capacity_types"] == ["on-demand"] and pools["training"]["gpu_limit"] == 4 * 8
    assert pools["batch"]["capacity_types"] == ["spot"] and pools["batch"]["ami_alias"] == "bottlerocket@latest"
    assert pools["batch"]["zone_ids"] == ["use1-az4"]
    assert pools["reserved"]["capacity_types"] == ["reserved"]
    assert pools["reserved"]["capacity_reservation_ids"] == ["cr-0123456789abcdef0"]
    assert pools["reserved"]["gpu_limit"] == 2 * 8 and pools["serving"]["ami_alias"] == "al2023@latest"
    dev = _modules(variant["live/dev/platform/main.tf"])["cluster_addons"].body.attributes
    dev_pools = dev["karpenter_node_pools"].value
    assert dev_pools["training"]["gpu_limit"] == 2 * 1 and dev_pools["reserved"]["capacity_types"] == ["spot"]
    assert dev_pools["batch"]["zone_ids"] == ["usw2-az1"]
    # instances, volumes and interfaces carry the environment and pool (default_tags do not reach them)
    assert pools["serving"]["tags"]["mlstrata:environment"] == "prod"
    assert pools["serving"]["tags"]["mlstrata:gpu-pool"] == "serving"


# ---- module facts ----

def test_controller_identity_and_node_access() -> None:
    """Pod Identity for kube-system/karpenter (the chart's service account, https://karpenter.sh/docs/
    getting-started/getting-started-with-karpenter/); nodes join through an EC2_LINUX access entry
    (https://docs.aws.amazon.com/eks/latest/userguide/creating-access-entries.html); no CNI policy on the
    node role (IRSA, https://docs.aws.amazon.com/eks/latest/userguide/cni-iam-role.html)."""
    res = _resources("karpenter")
    assert res[("aws_eks_access_entry", "node")].body.attributes["type"].value == "EC2_LINUX"
    defaults = {b.labels[0]: b.body.attributes["default"].value
                for b in parse_file(str(MODULES / "karpenter" / "variables.tf")).body.blocks
                if "default" in b.body.attributes}
    assert (defaults["namespace"], defaults["service_account"]) == ("kube-system", "karpenter")
    addons = (MODULES / "cluster_addons" / "main.tf").read_text()
    assert 'serviceAccount = { create = true, name = "karpenter" }' in addons
    # the ReservedCapacity feature gate follows the pools (https://karpenter.sh/docs/tasks/odcrs/)
    assert ('reservedCapacity = anytrue([for p in var.karpenter_node_pools : contains(p.capacity_types, '
            '"reserved")])') in addons
    assert re.search(r'resource "helm_release" "karpenter" \{[^}]*namespace\s+= "kube-system"', addons)
    # the node role is the shared node_role module's (its one home): worker and ECR policies, no CNI
    calls = {b.labels[0]: b for b in parse_file(str(MODULES / "karpenter" / "main.tf")).body.blocks
             if b.type == "module"}
    assert calls["node_role"].body.attributes["source"].value == "../node_role"
    assert res[("aws_eks_access_entry", "node")].body.attributes["principal_arn"].expr_text == \
        "module.node_role.role_arn"
    attached = _resources("node_role")[("aws_iam_role_policy_attachment", "this")].body.attributes["for_each"]
    assert "AmazonEKSWorkerNodePolicy" in attached.expr_text and "CNI" not in attached.expr_text
    main = (MODULES / "karpenter" / "main.tf").read_text()
    # IAM caps name_prefix at 38 characters
    for prefix in re.findall(r'name_prefix\s+= "\$\{substr\(var\.cluster_name, 0, (\d+)\)\}([^"]*)"', main):
        assert int(prefix[0]) + len(prefix[1].replace("${substr(each.key, 0, 12)}", "x" * 12)) <= 38, prefix


def test_interruption_queue_and_its_four_event_sources() -> None:
    """Karpenter's interruption handling reads spot interruption warnings, rebalance recommendations, instance
    state changes and AWS Health events from one SQS queue EventBridge writes to
    (https://karpenter.sh/docs/concepts/disruption/#interruption; EventBridge detail types:
    https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/spot-instance-termination-notices.html,
    https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/rebalance-recommendations.html)."""
    main = (MODULES / "karpenter" / "main.tf").read_text()
    for detail in ("EC2 Spot Instance Interruption Warning", "EC2 Instance Rebalance Recommendation",
                   "EC2 Instance State-change Notification", "AWS Health Event"):
        assert f'detail_type = "{detail}"' in main
    queue = _resources("karpenter")[("aws_sqs_queue", "interruption")].body.attributes
    assert queue["sqs_managed_sse_enabled"].value is True
    assert 'identifiers = ["events.amazonaws.com", "sqs.amazonaws.com"]' in main
    assert '"aws:SecureTransport"' in main
    addons = (MODULES / "cluster_addons" / "main.tf").read_text()
    assert "interruptionQueue = var.karpenter.interruption_queue" in addons


def test_the_controller_may_use_the_node_volume_key_through_ec2_only() -> None:
    """Node volumes use the platform CMK; the principal calling CreateFleet needs the key or instances terminate
    at launch (https://karpenter.sh/docs/troubleshooting/#node-terminates-before-ready-on-failed-encrypted-ebs-
    volume, aws/karpenter-provider-aws#1407)."""
    main = (MODULES / "karpenter" / "main.tf").read_text()
    key = main[main.index('sid       = "NodeVolumeKey"'):main.index('resource "aws_iam_role_policy" "controller"')]
    assert "resources = [var.kms_key_arn]" in key and '"kms:ViaService"' in key and "kms:CreateGrant" in key
    assert '"kms:GrantIsForAWSResource"' in key


def test_the_controller_may_create_the_spot_service_linked_role_and_nothing_else() -> None:
    """A Spot launch needs AWSServiceRoleForEC2Spot, and "if you use the AWS CLI or an API to request a Spot
    Instance, you must first ensure that this role exists"
    (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/service-linked-roles-spot-instance-requests.html).
    CreateFleet creates it with the caller's credentials when they allow it; without, every Spot launch in a new
    account fails with AuthFailure.ServiceLinkedRoleCreationNotPermitted (terraform-aws-modules/terraform-aws-eks
    #2565, aws/karpenter-provider-aws#504). The grant is for that one role, by its ARN and service name."""
    controller = next(b for b in parse_file(str(MODULES / "karpenter" / "main.tf")).body.blocks
                      if b.type == "data" and b.labels == ["aws_iam_policy_document", "controller"])
    granting = [s.body for s in controller.body.blocks if s.type == "statement"
                and "iam:CreateServiceLinkedRole" in s.body.attributes["actions"].expr_text]
    assert len(granting) == 1, "the controller policy grants iam:CreateServiceLinkedRole exactly once"
    stmt = granting[0]
    attrs = stmt.attributes
    assert attrs["actions"].expr_text == '["iam:CreateServiceLinkedRole"]'
    assert attrs["resources"].expr_text == (
        '["arn:${local.partition}:iam::${local.account_id}:role/aws-service-role/spot.amazonaws.com/'
        'AWSServiceRoleForEC2Spot"]')
    conditions = [{k: a.expr_text for k, a in c.body.attributes.items()} for c in stmt.blocks if c.type == "condition"]
    assert conditions == [{"test": '"StringEquals"', "variable": '"iam:AWSServiceName"',
                           "values": '["spot.amazonaws.com"]'}]
    # and no module creates the account's shared Spot role itself (a second create fails: "has been taken")
    assert "spot.amazonaws.com" not in "".join(
        b.body.attributes["aws_service_name"].expr_text for tf in MODULES.glob("*/*.tf")
        for b in parse_file(str(tf)).body.blocks
        if b.type == "resource" and b.labels[0] == "aws_iam_service_linked_role")


def test_the_node_class_template_has_imds_hop_limit_1_and_encrypted_volumes() -> None:
    """IMDSv2 with hop limit 1 keeps pods off the node role (https://docs.aws.amazon.com/eks/latest/
    best-practices/identity-and-access-management.html); Bottlerocket has an OS volume and a data volume
    (https://github.com/bottlerocket-os/bottlerocket#default-volumes), both with the platform key."""
    template = (CHART / "templates" / "node-pools.yaml").read_text()
    assert "httpPutResponseHopLimit: 1" in template and "httpTokens: required" in template
    assert template.count("kmsKeyID: {{ $.Values.kmsKeyId | quote }}") == 2
    assert template.count("encrypted: true") == 2
    assert "consolidationPolicy: WhenEmpty" in template


# ---- the real chart path: Terraform computes the values, Helm renders the chart with them ----

def _helm() -> str | None:
    import os

    return os.environ.get("MLSTRATA_HELM") or shutil.which("helm")


@pytest.mark.integration
def test_terraform_values_render_the_chart_into_valid_node_classes_and_pools(
        variant: dict[str, str], tmp_path: Path) -> None:
    """Real Terraform evaluates the module's values local from the rendered inputs (base outputs stand in as
    strings); with a helm binary (PATH or MLSTRATA_HELM) the local chart is rendered with them and every
    resource is checked; without one, the values alone are checked."""
    if shutil.which("terraform") is None:
        pytest.skip("terraform is not on PATH")
    work = tmp_path / "values"
    work.mkdir()
    for name in ("variables.tf", "karpenter_values.tf"):
        shutil.copy(MODULES / "cluster_addons" / name, work / name)
    call = re.search(r'module "cluster_addons" \{\n(.*?)\n\}\n', variant["live/prod/platform/main.tf"], re.S)
    assert call is not None
    inputs = re.sub(r"^\s*source\s*=.*\n", "", call.group(1), flags=re.M)
    inputs = re.sub(r"data\.terraform_remote_state\.base\.outputs\.(\w+)", r'"\1"', inputs)
    (work / "inputs.auto.tfvars").write_text(inputs)
    (work / "out.tf").write_text('output "values" {\n  value = local.karpenter_node_pools_values\n}\n')
    env = {"PATH": "/usr/bin:/bin:/usr/local/bin", "TF_CLI_CONFIG_FILE": "/dev/null", "CHECKPOINT_DISABLE": "1",
           "TF_IN_AUTOMATION": "1"}
    terraform = shutil.which("terraform") or "terraform"
    for args in (["init", "-backend=false"], ["apply", "-auto-approve"]):
        done = subprocess.run([terraform, *args, "-no-color"], cwd=work, env=env, capture_output=True, text=True,
                              check=False)
        assert done.returncode == 0, done.stdout + done.stderr
    shown = subprocess.run([terraform, "output", "-json", "values"], cwd=work, env=env, capture_output=True,
                           text=True, check=True)
    values = json.loads(shown.stdout)
    assert values["nodeRole"] == "karpenter_node_role_name" and values["kmsKeyId"] == "kms_key_arn"
    assert values["nodePools"]["reserved"]["limits"] == {"nvidia.com/gpu": 16}
    helm = _helm()
    if helm is None:
        return
    (work / "values.json").write_text(json.dumps(values))
    out = subprocess.run([helm, "template", "pools", str(CHART), "-f", str(work / "values.json")],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    docs = [d for d in YAML(typ="safe").load_all(out.stdout) if d]
    kinds = sorted((d["kind"], d["metadata"]["name"]) for d in docs)
    assert kinds == sorted((k, n) for k in ("EC2NodeClass", "NodePool")
                           for n in ("batch", "reserved", "serving", "training"))
    by = {(d["kind"], d["metadata"]["name"]): d["spec"] for d in docs}
    batch = by[("EC2NodeClass", "batch")]
    assert [m["deviceName"] for m in batch["blockDeviceMappings"]] == ["/dev/xvda", "/dev/xvdb"]
    assert batch["blockDeviceMappings"][1]["ebs"]["volumeSize"] == "200Gi"
    assert batch["metadataOptions"]["httpPutResponseHopLimit"] == 1
    assert batch["subnetSelectorTerms"] == [{"tags": {"karpenter.sh/discovery": "cluster_name"}}]
    assert "capacityReservationSelectorTerms" not in batch
    assert by[("EC2NodeClass", "reserved")]["capacityReservationSelectorTerms"] == [{"id": "cr-0123456789abcdef0"}]
    pool = by[("NodePool", "batch")]
    requirements = {r["key"]: r["values"] for r in pool["template"]["spec"]["requirements"]}
    assert requirements == {"node.kubernetes.io/instance-type": ["g6.xlarge", "g6.2xlarge"],
                            "karpenter.sh/capacity-type": ["spot"], "topology.k8s.aws/zone-id": ["use1-az4"]}
    assert pool["template"]["spec"]["taints"] == [{"key": "workload", "value": "batch", "effect": "NoExecute"}]
    assert pool["limits"] == {"nvidia.com/gpu": 8}
    assert pool["template"]["spec"]["nodeClassRef"] == {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass",
                                                        "name": "batch"}
