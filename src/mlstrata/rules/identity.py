"""Identity: wildcard IAM permissions and policies that trust anybody (MLS015-MLS017).

Policies are read from `aws_iam_policy_document` data sources (each once, wherever it is used) and
from `jsonencode({...})`/JSON text written directly into a policy argument.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from mlstrata.diagnostics import Diagnostic, Severity
from mlstrata.hcl import Attribute
from mlstrata.rules.base import ModuleRule, RuleInfo
from mlstrata.rules.blocks import expand
from mlstrata.rules.context import ModuleContext
from mlstrata.rules.iam import POLICY_DOCUMENT, Statement, documents_for, from_document, statements_of
from mlstrata.rules.model import Item

# Where policies live, and what kind of policy each argument holds.
POLICY_ATTRS: dict[str, tuple[tuple[str, str], ...]] = {
    "aws_iam_role": (("assume_role_policy", "trust"),),
    "aws_iam_policy": (("policy", "identity"),),
    "aws_iam_role_policy": (("policy", "identity"),),
    "aws_iam_user_policy": (("policy", "identity"),),
    "aws_iam_group_policy": (("policy", "identity"),),
    "aws_kms_key": (("policy", "key"),),
    "aws_kms_key_policy": (("policy", "key"),),
    "aws_s3_bucket_policy": (("policy", "resource"),),
    "aws_s3_bucket": (("policy", "resource"),),
    "aws_sqs_queue_policy": (("policy", "resource"),),
    "aws_sqs_queue": (("policy", "resource"),),
    "aws_sns_topic_policy": (("policy", "resource"),),
    "aws_ecr_repository_policy": (("policy", "resource"),),
    "aws_secretsmanager_secret_policy": (("policy", "resource"),),
    "aws_sagemaker_model_package_group_policy": (("resource_policy", "resource"),),
}
ML_ROLE = re.compile(
    r"pipeline|serving|inference|training|sagemaker|kubeflow|mlflow|model|notebook|"
    r"(^|[^a-z])ml([^a-z]|$)",
    re.IGNORECASE,
)
READ_ONLY = re.compile(r"^[a-z0-9-]+:(Describe|List|Get|BatchGet|Head|Search|Lookup)", re.IGNORECASE)
# Write actions that have no resource type in the IAM Service Authorization Reference, so "*" is the only
# Resource they accept (docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html,
# list_awsx-ray.html): scoping them is impossible, so "*" is not a finding.
ONLY_STAR_RESOURCE = frozenset(
    a.lower()
    for a in (
        "cloudwatch:PutMetricData",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "ecr:GetAuthorizationToken",
        "sts:GetCallerIdentity",
    )
)
# Condition keys that scope a statement to tagged resources (what the cluster autoscaler's policy does).
SCOPING_CONDITION = re.compile(r"^[a-z0-9-]+:(ResourceTag|RequestTag)/", re.IGNORECASE)


@dataclass
class Policy:
    """A set of statements and what they are used as (identity, trust, resource or key policy)."""

    owner: Item
    statements: list[Statement]
    kinds: set[str]
    roles: list[Item]


def _uses(ctx: ModuleContext) -> list[tuple[Item, Attribute, str]]:
    out = []
    for item in ctx.instances(("resource",), *POLICY_ATTRS):
        for name, kind in POLICY_ATTRS[item.type]:
            attr = item.attr(name)
            if attr is not None:
                out.append((item, attr, kind))
        if item.type == "aws_iam_role":
            for inline in expand(ctx, item.body, "inline_policy").blocks:
                attr = inline.block.body.attributes.get("policy")
                if attr is not None:
                    out.append((item, attr, "identity"))
    return out


def _roles_of(ctx: ModuleContext, user: Item) -> list[Item]:
    """The IAM roles a policy-holding resource ends up attached to."""
    if user.type == "aws_iam_role":
        return [user]
    roles: list[Item] = []
    role_attr = user.attr("role")
    if role_attr is not None:
        roles += ctx.module.referenced(role_attr.expr_text, "aws_iam_role")
    if user.type == "aws_iam_policy":
        for att in ctx.module.resources_of("aws_iam_role_policy_attachment", "aws_iam_policy_attachment"):
            arn = att.attr("policy_arn")
            if arn is not None and user in ctx.module.referenced(arn.expr_text, "aws_iam_policy"):
                for key in ("role", "roles"):
                    ref = att.attr(key)
                    if ref is not None:
                        roles += ctx.module.referenced(ref.expr_text, "aws_iam_role")
    return roles


def policies(ctx: ModuleContext) -> list[Policy]:
    """Every policy of the module once: documents with the kinds they are used as, and inline JSON."""
    cached = ctx.memo.get("policies")
    if isinstance(cached, list):
        return cached
    out: list[Policy] = []
    doc_kinds: dict[str, set[str]] = {}
    doc_roles: dict[str, list[Item]] = {}
    for user, attr, kind in _uses(ctx):
        docs = documents_for(ctx, attr)
        for doc in docs:
            doc_kinds.setdefault(doc.address, set()).add(kind)
            doc_roles.setdefault(doc.address, []).extend(_roles_of(ctx, user))
        if not docs:
            statements = statements_of(ctx, user, attr)
            if statements:
                out.append(Policy(user, statements, {kind}, _roles_of(ctx, user)))
    for doc in ctx.instances(("data",), POLICY_DOCUMENT):
        out.append(
            Policy(
                doc,
                from_document(ctx, doc),
                doc_kinds.get(doc.address, set()),
                doc_roles.get(doc.address, []),
            )
        )
    ctx.memo["policies"] = out
    return out


def _is_ml_role(ctx: ModuleContext, role: Item) -> bool:
    texts = [role.name, ctx.module.name] + ([ctx.call.name] if ctx.call is not None else [])
    for name in ("name", "name_prefix", "assume_role_policy", "description"):
        attr = role.attr(name)
        if attr is not None:
            texts.append(attr.expr_text)
    return any(ML_ROLE.search(t) for t in texts)


class WildcardAction(ModuleRule):
    info = RuleInfo(
        "MLS015",
        "iam-wildcard-action",
        "identity",
        Severity.ERROR,
        "No policy allows every action",
        '`Action: "*"` (or `*:*`) in an Allow statement grants everything IAM can grant, including creating\n'
        "new principals and keys. Pipeline and serving roles run third-party code (training scripts,\n"
        "model servers): give them the actions they use.",
        'List the actions the role needs (e.g. s3:GetObject, s3:PutObject) instead of "*".',
    )

    def check(self, ctx: ModuleContext) -> Iterator[Diagnostic]:
        for policy in policies(ctx):
            for st in policy.statements:
                if st.allows and st.actions and any(a in ("*", "*:*") for a in st.actions):
                    yield self.info.finding(
                        st.actions_where or st.where,
                        'Allow statement with Action "*"',
                        path=policy.owner.address,
                    )


class WildcardResource(ModuleRule):
    info = RuleInfo(
        "MLS016",
        "iam-wildcard-resource",
        "identity",
        Severity.ERROR,
        "Write permissions are scoped to resources",
        'An identity policy that allows write actions on `Resource: "*"` reaches every bucket, queue and\n'
        "model in the account. Error when the policy is attached to a pipeline/serving/training role;\n"
        "warning otherwise. Not reported: read-only actions (Describe*, List*, Get*), actions that accept\n"
        'no other resource (cloudwatch:PutMetricData, xray:PutTraceSegments), statements scoped by a\n'
        "resource-tag condition (aws:ResourceTag/..., as the cluster autoscaler's policy is), and resource\n"
        'policies (statements with principals, KMS key policies, where "*" means the resource itself).',
        "Name the ARNs the actions apply to (bucket ARN and bucket ARN/*, queue ARN, ...).",
    )

    def check(self, ctx: ModuleContext) -> Iterator[Diagnostic]:
        for policy in policies(ctx):
            if policy.kinds & {"key", "resource", "trust"}:
                continue
            ml = any(_is_ml_role(ctx, r) for r in policy.roles)
            for st in policy.statements:
                if not st.allows or st.principals is not None or not st.resources or "*" not in st.resources:
                    continue
                actions = st.actions or []
                if not actions or not all(isinstance(a, str) for a in actions):
                    continue
                if any(isinstance(var, str) and SCOPING_CONDITION.match(var) for _, var, _ in st.conditions):
                    continue
                writes = [
                    a
                    for a in actions
                    if isinstance(a, str) and not READ_ONLY.match(a) and a.lower() not in ONLY_STAR_RESOURCE
                ]
                if not writes or "*" in writes:
                    continue  # "*" itself is MLS015
                yield self.info.finding(
                    st.actions_where or st.where,
                    f"{', '.join(sorted(writes)[:3])}{' ...' if len(writes) > 3 else ''} "
                    'allowed on Resource "*"',
                    path=policy.owner.address,
                    severity=Severity.ERROR if ml else Severity.WARNING,
                    detail="attached to " + ", ".join(r.address for r in policy.roles)
                    if policy.roles
                    else "",
                )


def _open(st: Statement) -> bool:
    if not st.allows or not st.principals or st.conditions:
        return False
    return any(ptype == "*" or (ptype == "AWS" and "*" in ids) for ptype, ids in st.principals)


class OpenPrincipal(ModuleRule):
    info = RuleInfo(
        "MLS017",
        "policy-open-principal",
        "identity",
        Severity.ERROR,
        "No trust or resource policy allows any principal",
        'An Allow statement with `Principal: "*"` (or AWS = "*") and no condition lets any AWS account\n'
        "assume the role or use the resource: a model registry, artifact bucket or queue open to the\n"
        'internet. Deny statements with "*" are fine (that is how protections are written).',
        "Name the principals, or add a condition (aws:PrincipalOrgID, aws:SourceArn, an OIDC sub claim).",
    )

    def check(self, ctx: ModuleContext) -> Iterator[Diagnostic]:
        for policy in policies(ctx):
            for st in policy.statements:
                if _open(st):
                    kind = "trust policy" if "trust" in policy.kinds else "policy"
                    yield self.info.finding(
                        st.principals_where or st.where,
                        f"{kind} allows any principal without a condition",
                        path=policy.owner.address,
                    )
