"""What a first apply of the rendered AWS platform in a fresh account needs beyond a valid schema: each fact is an
AWS API behaviour (ordering, eventual consistency, principals that must exist) that `terraform validate` cannot
see, pinned to the document or provider issue that states it."""

from __future__ import annotations

import re

from support.rendered import modules_dir

from mlstrata.hcl import parse_file

AWS_MODULES = modules_dir("aws")


def _resource_attrs(module: str, address: str) -> dict[str, str]:
    """A resource's top-level arguments in a library module, as written (expression texts)."""
    kind, name = address.split(".")
    for tf in sorted((AWS_MODULES / module).glob("*.tf")):
        for block in parse_file(str(tf)).body.blocks:
            if block.type == "resource" and block.labels == [kind, name]:
                return {k: a.expr_text for k, a in block.body.attributes.items()}
    raise AssertionError(f"{module}: no resource {address}")


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
