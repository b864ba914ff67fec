"""What a first apply of the rendered AWS platform in a fresh account needs beyond a valid schema: each fact is an
AWS API behaviour (ordering, eventual consistency, principals that must exist) that `terraform validate` cannot
see, pinned to the document or provider issue that states it."""

from __future__ import annotations

import re

from support.rendered import module_resource, modules_dir

from mlstrata.hcl import parse_file
from mlstrata.hcl.model import Body

AWS_MODULES = modules_dir("aws")


def _resource_attrs(module: str, address: str) -> dict[str, str]:
    """A resource's top-level arguments in a library module, as written (expression texts)."""
    return {k: a.expr_text for k, a in module_resource("aws", module, address).body.attributes.items()}


def _depends_on(module: str, address: str) -> set[str]:
    text = _resource_attrs(module, address).get("depends_on", "[]")
    return set(re.findall(r"[a-z0-9_.\[\]\"]+", text.strip("[]")))


def test_the_flow_log_is_created_after_its_role_may_write() -> None:
    """CreateFlowLogs only checks that vpc-flow-logs.amazonaws.com can assume the role (hashicorp/aws retries
    "Unable to assume given IAM role" while a new role's trust propagates: hashicorp/terraform-provider-aws#29323,
    internal/service/ec2/vpc_flow_log.go, iamPropagationTimeout); what the role may do is checked only when logs
    are delivered (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html). The flow log names
    the role, not its inline write policy, so without an explicit dependency Terraform creates both at once and
    the first deliveries fail with "Access error"."""
    flow_log = _resource_attrs("network", "aws_flow_log.this")
    assert flow_log["iam_role_arn"] == "aws_iam_role.this.arn"
    policy = _resource_attrs("network", "aws_iam_role_policy.this")
    assert policy["role"] == "aws_iam_role.this.id"
    assert "aws_iam_role_policy.this" in _depends_on("network", "aws_flow_log.this")


def _statements(body: Body) -> list[Body]:
    """The statement bodies of a policy document block, `dynamic "statement"` contents included."""
    out = []
    for block in body.blocks:
        if block.type == "statement":
            out.append(block.body)
        elif block.type == "dynamic" and block.labels == ["statement"]:
            out += [b.body for b in block.body.blocks if b.type == "content"]
    return out


def _principal_grants() -> list[tuple[str, str, str, list[tuple[str, str, str]]]]:
    """(module, document, identifiers, conditions) of every "AWS" principal in the library's policy documents
    whose identifiers come from an input (a variable or a local built from one)."""
    found = []
    for tf in sorted(AWS_MODULES.glob("*/*.tf")):
        for block in parse_file(str(tf)).body.blocks:
            if block.type != "data" or block.labels[0] != "aws_iam_policy_document":
                continue
            for stmt in _statements(block.body):
                conditions = [(c.body.attributes["test"].expr_text, c.body.attributes["variable"].expr_text,
                               c.body.attributes["values"].expr_text)
                              for c in stmt.blocks if c.type == "condition"]
                for p in stmt.blocks:
                    if p.type != "principals" or p.body.attributes["type"].expr_text != '"AWS"':
                        continue
                    ids = p.body.attributes["identifiers"].expr_text
                    if re.search(r"\b(var\.[a-z_]+_principal_arns|local\.promoters)", ids):
                        found.append((tf.parent.name, block.labels[1], ids, conditions))
    return found


def test_policies_name_the_accounts_of_spec_principals_and_narrow_by_principal_arn() -> None:
    """A resource policy naming a role that does not exist yet is rejected: S3 "Invalid principal in policy",
    KMS MalformedPolicyDocumentException, IAM "Invalid principal in policy"
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-roles).
    The spec's readers, writers and promoters are not all there on a first apply: the registry bucket's writer is
    the pipeline runner role, which the platform layer creates after the base layer applies this policy; another
    stage's promoters live in accounts applied later. The account root always exists: each such grant names the
    accounts and is narrowed to the exact ARNs by aws:PrincipalArn
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn),
    as the state backend's key policy already did."""
    grants = _principal_grants()
    modules = {g[0] for g in grants}
    assert modules == {"artifact_bucket", "kms_key", "model_registry"}, modules  # the ones that take such inputs
    for module, doc, ids, conditions in grants:
        source = re.fullmatch(r'distinct\(\[for arn in (\S+) : "arn:\$\{split\(":", arn\)\[1\]\}:iam::'
                              r'\$\{split\(":", arn\)\[4\]\}:root"\]\)', ids)
        assert source is not None, f"{module} {doc}: principals name the ARNs themselves: {ids}"
        assert ('"ArnEquals"', '"aws:PrincipalArn"', source[1]) in conditions, (module, doc, conditions)
