"""`pipelines.orchestrator` renders what it names: Argo Workflows as a Helm release wired to the declared
pipeline dependencies, or (AWS) a SageMaker pipeline execution role with scoped access. Each cloud fact
the rendering relies on is asserted here with its source."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlstrata.hcl import parse_file, parse_text
from mlstrata.hcl.model import Block
from mlstrata.render.tree import render_tree
from mlstrata.spec.load import load_spec, load_text
from mlstrata.targets.registry import TARGETS

REPO = Path(__file__).resolve().parents[2]
MODULES = REPO / "src" / "mlstrata" / "terraform" / "modules"
AWS_EXAMPLE = REPO / "examples" / "aws" / "platform.yaml"


def _module(text: str, name: str) -> Block:
    blocks = [b for b in parse_text(text, "main.tf").body.blocks if b.type == "module" and b.labels == [name]]
    assert len(blocks) == 1, f"module {name} rendered {len(blocks)} times"
    return blocks[0]


def test_argo_release_is_pinned_to_the_argo_project_chart() -> None:
    """argoproj/argo-helm charts/argo-workflows/Chart.yaml: version 1.0.18, appVersion v4.0.6; the chart
    repository is https://argoproj.github.io/argo-helm (the project's README)."""
    main = parse_file(str(MODULES / "kubernetes" / "workflow_orchestrator" / "main.tf"))
    release = next(b for b in main.body.blocks if b.labels == ["helm_release", "argo_workflows"])
    attrs = release.body.attributes
    assert attrs["repository"].value == "https://argoproj.github.io/argo-helm"
    assert attrs["chart"].value == "argo-workflows"
    assert attrs["atomic"].value is True
    variables = parse_file(str(MODULES / "kubernetes" / "workflow_orchestrator" / "variables.tf"))
    version = next(b for b in variables.body.blocks if b.labels == ["chart_version"])
    assert version.body.attributes["default"].value == "1.0.18"


def test_argo_uses_the_pipeline_identity_not_keys() -> None:
    """The chart's `useStaticCredentials` defaults to true (access-key secrets); with IRSA it must be false
    and the S3 repository `useSDKCreds` (argo-helm values.yaml; Argo docs, configure-artifact-repository:
    "useSDKCreds: true" picks up IRSA credentials)."""
    text = (MODULES / "kubernetes" / "workflow_orchestrator" / "main.tf").read_text()
    assert "useStaticCredentials = false" in text
    tree = render_tree(load_spec(AWS_EXAMPLE, targets=TARGETS))
    main = tree.files["live/dev/platform/main.tf"]
    argo = _module(main, "workflow_orchestrator").body.attributes
    assert argo["service_account_annotations"].partial_value.keys() == {"eks.amazonaws.com/role-arn"}
    assert "module.pipeline_deps.role_arn" in argo["service_account_annotations"].expr_text
    repo = argo["artifact_repository"].value
    assert isinstance(repo, dict) and repo["s3"]["useSDKCreds"] is True
    assert repo["s3"]["bucket"] == "acme-ml-dev-datasets-111111111111"
    assert "accessKeySecret" not in repo["s3"] and "secretKeySecret" not in repo["s3"]
    # the workflows' service account is the one the IRSA role trusts
    deps = _module(main, "pipeline_deps").body.attributes
    assert deps["service_account"].value == argo["service_account"].value == "pipeline-runner"
    assert deps["namespace"].value == argo["namespace"].value == "pipelines"


def test_argo_archive_reads_the_rds_managed_secret_keys() -> None:
    """RDS-managed master user secrets hold a JSON object with `username` and `password`
    (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html); the Argo archive
    reads the same two keys from the synced Kubernetes secret, and needs TLS (RDS PostgreSQL 15+ forces
    SSL by default: rds.force_ssl = 1)."""
    text = (MODULES / "kubernetes" / "workflow_orchestrator" / "main.tf").read_text()
    assert 'key  = "username"' in text and 'key  = "password"' in text
    assert 'sslMode = "require"' in text
    main = render_tree(load_spec(AWS_EXAMPLE, targets=TARGETS)).files["live/prod/platform/main.tf"]
    argo = _module(main, "workflow_orchestrator").body.attributes
    assert argo["metadata_store_host"].expr_text == "module.metadata_store.metadata_store_endpoint"
    assert argo["metadata_store_database"].expr_text == "module.metadata_store.metadata_store_db_name"
    assert not any("password" in name or "username" in name for name in argo), "credentials never pass Terraform"


def test_argo_not_rendered_without_declaring_it() -> None:
    spec = AWS_EXAMPLE.read_text().replace("orchestrator: argo ", "orchestrator: sagemaker ")
    tree = render_tree(load_text(spec, targets=TARGETS))
    assert not any(rel.startswith("modules/workflow_orchestrator/") for rel in tree.files)
    deps = _module(tree.files["live/dev/platform/main.tf"], "pipeline_deps").body.attributes
    assert deps["sagemaker_execution"].value is True


def test_sagemaker_execution_role_passes_only_itself_only_to_sagemaker() -> None:
    """iam:PassRole scoped to the role and conditioned on iam:PassedToService = sagemaker.amazonaws.com
    (https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-roles.html#sagemaker-roles-pass-role);
    SageMaker job and log actions only on ARNs of this account and region; ecr:GetAuthorizationToken is
    the one "*" (it has no resource type: Service Authorization Reference, Amazon ECR)."""
    main = parse_file(str(MODULES / "aws" / "workload_role" / "main.tf"))
    doc = next(b for b in main.body.blocks if b.labels == ["aws_iam_policy_document", "sagemaker"])
    statements = {s.body.attributes["sid"].value: s for s in doc.body.blocks_of("statement")}
    passrole = statements["PassOnlyThisRoleToSageMaker"]
    assert passrole.body.attributes["resources"].expr_text == "[aws_iam_role.this.arn]"
    condition = passrole.body.blocks_of("condition")[0].body.attributes
    assert condition["variable"].value == "iam:PassedToService"
    assert condition["values"].value == ["sagemaker.amazonaws.com"]
    for sid, statement in statements.items():
        resources = statement.body.attributes["resources"].expr_text
        if sid == "RegistryLogin":
            assert statement.body.attributes["actions"].value == ["ecr:GetAuthorizationToken"]
            assert resources == '["*"]'
        else:
            assert "*" not in resources.replace("/*", ""), (sid, resources)
            assert "account_id" in resources or "local." in resources or sid == "PassOnlyThisRoleToSageMaker"


def _warnings(spec: str) -> list[str]:
    return [d.code for d in load_text(spec, targets=TARGETS).warnings]


def test_kubeflow_is_said_to_render_no_orchestrator() -> None:
    """Kubeflow Pipelines has no official Helm chart, only kustomize manifests
    (https://www.kubeflow.org/docs/components/pipelines/operator-guides/installation/; kubeflow/pipelines#12728)."""
    spec = AWS_EXAMPLE.read_text().replace("orchestrator: argo ", "orchestrator: kubeflow ")
    loaded = load_text(spec, targets=TARGETS)
    kfp = [d for d in loaded.warnings if d.code == "spec.orchestrator"]
    assert len(kfp) == 1 and "kubeflow/pipelines#12728" in kfp[0].detail and kfp[0].where is not None
    assert kfp[0].where.line == spec.splitlines().index(
        next(line for line in spec.splitlines() if "orchestrator: kubeflow" in line)) + 1
    assert not any(r.startswith("modules/workflow_orchestrator/") for r in render_tree(loaded).files)
    # the default (no orchestrator written) stays quiet, and so does the local target
    assert "spec.orchestrator" not in _warnings(spec.replace("  orchestrator: kubeflow ", "  # "))
    quickstart = (REPO / "examples" / "quickstart" / "platform.yaml").read_text()
    assert "orchestrator: kubeflow" in quickstart and "spec.orchestrator" not in _warnings(quickstart)


GCP_ORCHESTRATOR = "  orchestrator: argo              #"


@pytest.mark.parametrize("name", ["kubeflow", "airflow"])
def test_an_orchestrator_the_target_does_not_render_is_said(name: str) -> None:
    spec = (REPO / "examples" / "gcp" / "platform.yaml").read_text()
    assert GCP_ORCHESTRATOR in spec and "spec.orchestrator" not in _warnings(spec)
    said = [d for d in load_text(spec.replace(GCP_ORCHESTRATOR, f"  orchestrator: {name} #"), targets=TARGETS).warnings
            if d.code == "spec.orchestrator"]
    assert len(said) == 1 and f"`{name}` is not installed" in said[0].summary


def test_sagemaker_on_another_cloud_is_an_error() -> None:
    spec = (REPO / "examples" / "gcp" / "platform.yaml").read_text()
    assert GCP_ORCHESTRATOR in spec
    from mlstrata.diagnostics import DiagnosticsError

    try:
        load_text(spec.replace(GCP_ORCHESTRATOR, "  orchestrator: sagemaker #"), targets=TARGETS)
    except DiagnosticsError as exc:
        assert [d.code for d in exc.diagnostics] == ["spec.orchestrator"]
        assert "needs the aws target" in exc.diagnostics[0].summary
    else:
        raise AssertionError("sagemaker on gcp was accepted")


def test_every_irsa_role_is_a_workload_role_under_its_old_address() -> None:
    """The IRSA module is `workload_role` (the pipeline runner's, each serving class's and Feast's role); the
    module calls keep their labels, so the role's state addresses (module.pipeline_deps.aws_iam_role.this ...)
    are what they were when the module was called pipeline_deps: existing states need no `moved` block, only
    `terraform init` for the new source, which the engine runs when a unit's configuration changes."""
    tree = render_tree(load_spec(AWS_EXAMPLE, targets=TARGETS))
    for env in ("dev", "prod"):
        main = tree.files[f"live/{env}/platform/main.tf"]
        calls = [b for b in parse_text(main, "main.tf").body.blocks if b.type == "module"
                 and b.body.attributes["source"].value == "../../../modules/workload_role"]
        labels = {b.labels[0] for b in calls}
        assert "pipeline_deps" in labels and "feature_store_identity" in labels, labels
        assert any(label.startswith("serving_identity_") for label in labels), labels
    assert not any(rel.startswith("modules/pipeline_deps/") for rel in tree.files)
