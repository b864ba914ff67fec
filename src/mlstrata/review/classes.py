"""The risk classes `mlstrata review` reports, each with an id, a one-line explanation and its severities.

A protected environment (`protect: true` in the spec, or a prod-like name without one) holds every
class to a stricter threshold: the severity it gets there is the second of its pair.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlstrata.diagnostics import Severity
from mlstrata.rules.base import RuleInfo


@dataclass(frozen=True)
class RiskClass:
    info: RuleInfo
    protected_severity: Severity

    def severity(self, protected: bool) -> Severity:
        return self.protected_severity if protected else self.info.severity


def _cls(id_: str, name: str, family: str, severity: Severity, protected: Severity, title: str, docs: str,
         hint: str) -> RiskClass:
    return RiskClass(RuleInfo(id_, name, family, severity, title, docs, hint), protected)


STATEFUL_DESTROY = _cls(
    "MLR001", "stateful-destroy", "protection", Severity.ERROR, Severity.ERROR,
    "A stateful ML resource (registry, artifact or state bucket, metadata database, KMS key) is destroyed "
    "or replaced",
    "Destroying or replacing a model registry, a registered model, an artifact bucket, a metadata database, "
    "a KMS key or the Terraform state bucket loses data that no apply brings back (model versions, "
    "artifacts, lineage, anything encrypted with the key). Replacement is a destroy too: the plan's "
    "`replace_paths` say which attribute forces it. Blocking in every environment, except a registered model "
    "that holds no model versions (the provider reads the count from the registry into the plan's refreshed "
    "state): deleting it loses nothing a plan cannot recreate, so it is shown as info; and a Kubernetes cluster "
    "(EKS, GKE, AKS), blocking in protected environments and a warning elsewhere: everything running on it goes "
    "with it, and workload identities federated to its OIDC issuer must be re-federated.",
    "Revert the change that forces it, rename with a `moved` block, or remove the resource from state "
    "with a `removed { lifecycle { destroy = false } }` block; destroy on purpose only after a backup.",
)
IAM_WIDENED = _cls(
    "MLR002", "iam-widened", "identity", Severity.WARNING, Severity.ERROR,
    "A policy or grant gives more than before (actions, resources, principals, wildcards)",
    "The policy document before and after the change is compared statement by statement: allowed "
    "(action, resource, principal, condition) combinations that are new, Deny statements that are gone, "
    "new wildcards (`*`, `s3:*`), new trusted principals, admin policies attached, and registry grants "
    "raised (READ -> EDIT -> MANAGE) or given to new accounts.",
    "Grant the narrowest actions on named resources to named principals; if the widening is intended, "
    "say why in the pull request.",
)
PROTECTION_OFF = _cls(
    "MLR003", "protection-off", "storage", Severity.WARNING, Severity.ERROR,
    "Encryption, versioning, deletion protection or a public-access block is turned off",
    "Compared before -> after on the resources that carry the setting (S3 buckets and their versioning, "
    "encryption and public-access-block resources, RDS instances and clusters, DynamoDB tables, KMS keys, "
    "mlstrata artifact buckets). Removing a setting's own resource (aws_s3_bucket_versioning, "
    "aws_s3_bucket_public_access_block ...) turns it off unless its bucket goes too.",
    "Keep the setting on; if it must change, do it in a separate, reviewed change.",
)
GPU_CAPACITY = _cls(
    "MLR004", "gpu-capacity", "gpu", Severity.INFO, Severity.WARNING,
    "GPU capacity changes (instance types, min/desired/max, capacity type) and what it costs per month",
    "A GPU node group or pool is created, resized, retyped, moved between on-demand and spot, or removed. "
    "The monthly cost change (730 h, at desired and at max) comes from mlstrata's price catalog and the "
    "team's overlay when the region is known (from the spec, or the plan's AWS provider configuration).",
    "Check the new bounds against the environment's GPU budget (`mlstrata cost`).",
)
PROTECTED_DESTROY = _cls(
    "MLR005", "protected-destroy", "protection", Severity.WARNING, Severity.WARNING,
    "Something is destroyed or replaced in a protected environment",
    "In an environment with `protect: true` (or named prod/production/prd without a spec) every destroy "
    "and replacement is shown, not only those of stateful ML resources. A serving endpoint or serving release is "
    "reported once, as MLR008 (blocking there), not twice.",
    "Make sure the destroy is intended; prefer `moved` blocks for renames.",
)
DRIFT = _cls(
    "MLR006", "drift", "state", Severity.INFO, Severity.WARNING,
    "A resource changed outside Terraform (drift)",
    "The plan's `resource_drift` section: objects whose real state differs from the last applied state. "
    "Applying the plan will overwrite the outside change; drift is reported apart from planned changes.",
    "Bring the change into the code, or let the apply revert it on purpose.",
)
PRESENT_RISK = _cls(
    "MLR007", "present-risk", "identity", Severity.INFO, Severity.WARNING,
    "An unchanged resource already has a wildcard grant or a protection turned off (--all)",
    "With `--all`, resources the plan does not change are checked too, for what they already are: "
    "wildcard grants in their policy documents and encryption, versioning, deletion protection or "
    "public-access blocks that are off.",
    "Fix it in the code; `mlstrata check` finds the line.",
)

ENDPOINT_REPLACED = _cls(
    "MLR008", "endpoint-replaced", "serving", Severity.WARNING, Severity.ERROR,
    "A serving endpoint, its serving class or the KServe installation is destroyed or replaced",
    "A SageMaker or Vertex AI endpoint that is replaced stops answering until the new one is in service "
    "(minutes, longer for GPU instances), and a new endpoint starts at its configured instance count, not "
    "where autoscaling had taken it. Destroying a serving class's release removes its namespace's quota, "
    "service account and placement; destroying the KServe CRD release deletes every InferenceService in "
    "the cluster. Blocking in protected environments.",
    "Change the endpoint in place (a new endpoint configuration, deployed by the release layer), or schedule "
    "the replacement and move traffic first.",
)

CLASSES: dict[str, RiskClass] = {
    c.info.id: c
    for c in (STATEFUL_DESTROY, IAM_WIDENED, PROTECTION_OFF, GPU_CAPACITY, PROTECTED_DESTROY, DRIFT, PRESENT_RISK,
              ENDPOINT_REPLACED)
}


def review_rules() -> dict[str, RuleInfo]:
    """The risk classes as rule docs, for the views (SARIF rules, JUnit test cases, Markdown details)."""
    return {code: c.info for code, c in CLASSES.items()}
