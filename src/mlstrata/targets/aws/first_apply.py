"""What the accounts need before the first apply of a rendered AWS platform, for the rendered README: the state
bucket first; then, in each environment's account, its deploy role, allowed on its own state and to create the
service-linked roles that the services of the modules it applies create on first use."""

from __future__ import annotations

import re
from collections.abc import Mapping

from mlstrata.spec.models import Platform
from mlstrata.spec.resolve import ResolvedEnv
from mlstrata.targets.aws.catalog import SERVICE_LINKED_ROLES, ServiceLinkedRole
from mlstrata.targets.aws.state import deploy_role, key_prefix, state_account

_RESOURCE = re.compile(r'^resource\s+"([a-z0-9_]+)"', re.MULTILINE)


def service_linked_roles(modules: Mapping[str, str]) -> list[ServiceLinkedRole]:
    """The service-linked roles that resources these module files declare create on first use."""
    declared = {t for rel, text in modules.items() if rel.endswith(".tf") for t in _RESOURCE.findall(text)}
    return [r for r in SERVICE_LINKED_ROLES if r.created_with in declared]


def first_apply(platform: Platform, envs: Mapping[str, ResolvedEnv],
                modules: Mapping[str, Mapping[str, str]]) -> list[str]:
    """README lines: the bootstrap order and each environment's deploy role with the permissions the rendered
    policies cannot give it (`modules`: per environment, the files of the library modules its units call)."""
    bucket = platform.state.bucket
    lines = [
        "## Before the first apply",
        "",
        f"1. Apply `bootstrap/state` once, with credentials of account {state_account(platform)}: it creates the "
        f"state bucket `{bucket}` and its key.",
        "2. In each environment's account, create its deploy role (not rendered: Terraform runs as it), trusted by "
        "whoever runs Terraform there (people; under `mlstrata ci`, the environment's `ci_role` and `plan_role`). "
        "The state bucket's and key's policies already admit it; its own IAM policy must allow "
        f"`s3:ListBucket` on `arn:aws:s3:::{bucket}`; `s3:GetObject`, `s3:PutObject` and `s3:DeleteObject` on "
        f"`arn:aws:s3:::{bucket}/{key_prefix(platform)}/<env>/*`; `kms:Decrypt`, `kms:DescribeKey`, `kms:Encrypt` "
        "and `kms:GenerateDataKey` on the state key (output `state_kms_key_arn` of `bootstrap/state`); what the "
        "platform's resources need; and `iam:CreateServiceLinkedRole`, with the condition `iam:AWSServiceName`, "
        "for the services listed below. A new account has none of their service-linked roles, and each service "
        "creates its own the first time it is used there, as the deploy role.",
        "",
        "| Environment | Account | Deploy role | `iam:AWSServiceName` (service-linked role) |",
        "| --- | --- | --- | --- |",
    ]
    for env in envs.values():
        roles = "<br>".join(f"`{r.service}` ({r.role})" for r in service_linked_roles(modules.get(env.name, {})))
        lines.append(f"| {env.name} | {env.spec.account} | `{deploy_role(platform, env.spec)}` | {roles} |")
    lines += ["", "3. Apply each environment's `base`, then its `platform` (below).", ""]
    return lines
