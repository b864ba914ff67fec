"""Serving on AWS with KServe: ordered releases, a namespace per class with a quota that leaves room for a
rollout, placement that matches the declared GPU pool exactly, an IRSA role per class, the CI/CD handoff."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import yaml
from support.rendered import blocks as _blocks

from mlstrata.hcl import parse_file
from mlstrata.render.tree import render_tree
from mlstrata.spec.load import load_spec, load_text
from mlstrata.targets.kubernetes import rollout_surge
from mlstrata.targets.registry import TARGETS

REPO = Path(__file__).resolve().parents[2]
KSERVE = REPO / "src" / "mlstrata" / "terraform" / "modules" / "kubernetes" / "kserve"
AWS_EXAMPLE = REPO / "examples" / "aws" / "platform.yaml"


def test_kserve_installs_in_order_crds_before_controller_before_runtimes() -> None:
    """kserve/kserve#3894: CRDs, webhook and runtimes applied together race the controller's webhook. Each
    release waits (wait = true) for the one before it."""
    releases = {b.labels[1]: b for b in parse_file(str(KSERVE / "main.tf")).body.blocks
                if b.labels and b.labels[0] == "helm_release"}
    order = ["cert_manager", "knative_operator", "knative_serving", "kserve_crd", "kserve", "kserve_runtimes",
             "serving_class"]
    assert list(releases) == order
    for before, after in itertools.pairwise(order):
        depends = releases[after].body.attributes["depends_on"].expr_text
        assert f"helm_release.{before}]" in depends, (after, depends)
    # the CRDs wait for cert-manager too when Knative (count = 0 without a class that scales to zero) is absent
    assert releases["kserve_crd"].body.attributes["depends_on"].expr_text == (
        "[helm_release.cert_manager, helm_release.knative_serving]")
    for name in order[:-1]:
        assert releases[name].body.attributes["wait"].value is True, name
    charts = {n: releases[n].body.attributes["chart"].value for n in order[3:6]}
    assert charts == {"kserve_crd": "kserve-crd", "kserve": "kserve-resources",
                      "kserve_runtimes": "kserve-runtime-configs"}
    # Published as OCI charts (kserve/kserve hack/setup/infra/manage.kserve-helm.sh: oci://ghcr.io/kserve/charts)
    assert {releases[n].body.attributes["repository"].value for n in order[3:6]} == {"oci://ghcr.io/kserve/charts"}
    defaults = {b.labels[0]: b.body.attributes["default"].value
                for b in parse_file(str(KSERVE / "variables.tf")).body.blocks if "default" in b.body.attributes}
    # kserve/kserve charts/kserve-crd/Chart.yaml version v0.20.0; KServe's quick install pins cert-manager v1.17.0
    assert defaults["kserve_chart_version"] == "v0.20.0" and defaults["cert_manager_chart_version"] == "v1.17.0"
    # "Standard" is the v0.20 name of RawDeployment (pkg/constants: LegacyRawDeployment ... deprecated: use Standard)
    assert 'deploymentMode = "Standard"' in (KSERVE / "main.tf").read_text()


def test_serving_class_chart_ships_quota_account_and_placement() -> None:
    templates = {p.name: p.read_text() for p in (KSERVE / "serving-class" / "templates").glob("*.yaml")}
    assert "kind: ResourceQuota" in templates["resourcequota.yaml"]
    assert "requests.nvidia.com/gpu" in templates["resourcequota.yaml"]
    assert "kind: ServiceAccount" in templates["serviceaccount.yaml"]
    assert "tolerations" in templates["placement.yaml"] and "nodeSelector" in templates["placement.yaml"]
    assert (KSERVE / "serving-class" / "Chart.yaml").read_text().startswith("apiVersion: v2\n")


def test_rollout_surge_is_the_deployment_default_rounded_up() -> None:
    """Deployment maxSurge defaults to 25%, rounded up (kubernetes.io Deployment docs, Max Surge)."""
    assert [rollout_surge(n) for n in (1, 2, 4, 5, 8, 9)] == [1, 1, 1, 2, 2, 3]


def test_classes_match_their_pool_and_hand_off_to_ci() -> None:
    tree = render_tree(load_spec(AWS_EXAMPLE, targets=TARGETS))
    for env, (min_r, max_r) in {"dev": (0, 1), "prod": (1, 4)}.items():
        main = tree.files[f"live/{env}/platform/main.tf"]
        modules = _blocks(main, "module")
        cls = modules["kserve"].body.attributes["classes"].partial_value["fraud-api"]
        assert cls["namespace"] == "serving-fraud-api" and cls["service_account"] == "fraud-api"
        assert cls["gpu_quota"] == (max_r + rollout_surge(max_r)) * 1
        # the pool's rendered label and taints in the base layer of the same environment
        pool = _blocks(tree.files[f"live/{env}/base/main.tf"], "module")["gpu_pool_serving"].body.attributes
        labels = pool["labels"].value
        assert isinstance(labels, dict)
        assert cls["node_selector"].items() <= labels.items()
        effects = {"NO_SCHEDULE": "NoSchedule", "NO_EXECUTE": "NoExecute", "PREFER_NO_SCHEDULE": "PreferNoSchedule"}
        taints = [{"key": t["key"], "operator": "Equal", "value": t["value"], "effect": effects[t["effect"]]}
                  for t in pool["taints"].value]
        assert cls["tolerations"] == taints and taints
        # the IRSA role trusts exactly the class's service account
        identity = modules["serving_identity_fraud_api"].body.attributes
        assert (identity["namespace"].value, identity["service_account"].value) == ("serving-fraud-api", "fraud-api")
        handoff = _blocks(tree.files[f"live/{env}/platform/outputs.tf"], "output")["serving_endpoints"]
        out = handoff.body.attributes["value"].partial_value["fraud-api"]
        assert (out["min_replicas"], out["max_replicas"]) == (min_r, max_r)
        assert out["registry_stage"] == env and out["registry_alias"] == "champion"
        assert out["endpoint_name"] == "fraud-api" and out["model"] == "fraud-detector"


def test_cpu_class_goes_to_the_system_pool_with_no_gpu_quota() -> None:
    spec = AWS_EXAMPLE.read_text().replace("      gpu_pool: serving ", "      # gpu_pool: serving ")
    tree = render_tree(load_text(spec, targets=TARGETS))
    cls = _blocks(tree.files["live/prod/platform/main.tf"], "module")["kserve"].body.attributes[
        "classes"].partial_value["fraud-api"]
    assert cls["gpu_quota"] == 0 and cls["tolerations"] == []
    assert cls["node_selector"] == {"mlstrata.dev/pool": "system"}


def test_another_stage_is_read_by_bucket_name() -> None:
    spec = AWS_EXAMPLE.read_text().replace("      alias: champion ", "      stage: prod\n      alias: champion ")
    tree = render_tree(load_text(spec, targets=TARGETS))
    identity = _blocks(tree.files["live/staging/platform/main.tf"], "module")["serving_identity_fraud_api"]
    assert identity.body.attributes["read_only_bucket_arns"].value == [
        "arn:aws:s3:::acme-ml-prod-model-registry-333333333333"]


def test_what_is_not_rendered_is_said() -> None:
    """Every example renders what it declares: no `spec.not_rendered` info on any cloud target."""
    assert not [d for d in load_spec(AWS_EXAMPLE, targets=TARGETS).warnings if d.code.startswith(("aws.serving",
                                                                                                   "spec.not_"))]
    for target in ("gcp", "azure"):  # both render serving and the feature store now: nothing to say
        loaded = load_spec(REPO / "examples" / target / "platform.yaml", targets=TARGETS)
        assert not [d for d in loaded.warnings if d.code == "spec.not_rendered"]


def test_kserve_starts_only_after_knative_serving_is_ready() -> None:
    """First install with Knative: Helm's wait does not wait for custom resources (helm/helm#12136), so the
    knative-serving release would return as soon as its KnativeServing exists, before the operator installs
    Knative's CRDs, and the KServe controller (which looks for them at start) would need a restart. The chart's
    post-install/post-upgrade hook Job waits for the KnativeServing to be Ready; Helm waits for hook Jobs to
    complete (https://helm.sh/docs/topics/charts_hooks/); the KServe CRD release depends on this release."""
    chart = KSERVE / "knative-serving"
    text = (chart / "templates" / "wait-ready.yaml").read_text()
    values = yaml.safe_load((chart / "values.yaml").read_text())
    plain = re.sub(r"^\s*\{\{-? (with|end)[^}]*\}\}\n", "", text, flags=re.M)
    plain = plain.replace("{{ .Release.Namespace }}", "knative-serving").replace(
        "{{ .Values.readyTimeoutSeconds }}", str(values["readyTimeoutSeconds"])).replace(
        "{{ .Values.kubectlImage | quote }}", f'"{values["kubectlImage"]}"').replace(
        "nodeSelector: {{ toJson . }}", "nodeSelector: {}")
    docs = {d["kind"]: d for d in yaml.safe_load_all(plain)}
    assert set(docs) == {"ServiceAccount", "Role", "RoleBinding", "Job"}
    for doc in docs.values():
        assert doc["metadata"]["annotations"]["helm.sh/hook"] == "post-install,post-upgrade"
    job = docs["Job"]
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["command"][:4] == ["kubectl", "wait", "--for=condition=Ready", "knativeserving/knative-serving"]
    assert container["image"].startswith("registry.k8s.io/kubectl:v")
    assert job["spec"]["template"]["spec"]["serviceAccountName"] == docs["ServiceAccount"]["metadata"]["name"]
    # the Job only reads KnativeServings
    assert docs["Role"]["rules"] == [{"apiGroups": ["operator.knative.dev"], "resources": ["knativeservings"],
                                      "verbs": ["get", "list", "watch"]}]
    # it gives up before the release does (timeout 600 s), so the release fails instead of hanging
    releases = {b.labels[1]: b.body.attributes for b in parse_file(str(KSERVE / "main.tf")).body.blocks
                if b.labels and b.labels[0] == "helm_release"}
    assert values["readyTimeoutSeconds"] < releases["knative_serving"]["timeout"].value
    assert "helm_release.knative_serving" in releases["kserve_crd"]["depends_on"].expr_text
    assert releases["knative_serving"]["wait"].value is True and releases["knative_serving"]["atomic"].value is True


def test_scale_to_zero_installs_knative_and_runs_that_class_in_knative_mode() -> None:
    """KServe's Standard mode (formerly RawDeployment) cannot scale to zero: its HPA keeps one replica
    (kserve/kserve#3514; KServe docs, raw deployment autoscaling: "Scale down and from Zero is not supported").
    Its Knative mode (formerly Serverless; pkg/constants: Knative, LegacyServerless) can: where a class scales to
    zero, the Knative Operator chart (https://knative.github.io/operator, chart knative-operator v1.20.0 as in
    linode/apl-core#2691) and a KnativeServing with Kourier are installed before KServe, and the class's
    InferenceService carries serving.kserve.io/deploymentMode: Knative."""
    text = (KSERVE / "main.tf").read_text()
    releases = {b.labels[1]: b.body.attributes for b in parse_file(str(KSERVE / "main.tf")).body.blocks
                if b.labels and b.labels[0] == "helm_release"}
    assert releases["knative_operator"]["repository"].value == "https://knative.github.io/operator"
    assert releases["knative_operator"]["chart"].value == "knative-operator"
    assert releases["knative_operator"]["count"].expr_text == releases["knative_serving"]["count"].expr_text == (
        "var.knative ? 1 : 0")
    assert "disableIstioVirtualHost = var.knative" in text
    serving = (KSERVE / "knative-serving" / "templates" / "knativeserving.yaml").read_text()
    assert "kind: KnativeServing" in serving and "kourier" in serving
    assert 'enable-scale-to-zero: "true"' in serving
    variables = (KSERVE / "variables.tf").read_text()
    assert "var.knative || alltrue([for c in values(var.classes) : !c.scale_to_zero])" in variables
    tree = render_tree(load_spec(AWS_EXAMPLE, targets=TARGETS))
    for env, knative in {"dev": True, "prod": False}.items():
        kserve = _blocks(tree.files[f"live/{env}/platform/main.tf"], "module")["kserve"].body.attributes
        assert ("knative" in kserve) is knative and (not knative or kserve["knative"].value is True)
        handoff = _blocks(tree.files[f"live/{env}/platform/outputs.tf"], "output")["serving_endpoints"]
        mode = handoff.body.attributes["value"].partial_value["fraud-api"]["deployment_mode"]
        assert mode == ("Knative" if knative else "Standard")
    placement = (KSERVE / "serving-class" / "templates" / "placement.yaml").read_text()
    assert "deploymentMode: {{ .Values.scaling.deploymentMode | quote }}" in placement
