"""What a first apply of the rendered AWS platform in a fresh account needs beyond a valid schema: each fact is an
AWS API behaviour (ordering, eventual consistency, principals that must exist) that `terraform validate` cannot
see, pinned to the document or provider issue that states it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support.rendered import module_resource, modules_dir

from mlstrata.hcl import parse_file, parse_text
from mlstrata.hcl.model import Body
from mlstrata.render.tree import render_tree
from mlstrata.spec.load import load_text
from mlstrata.targets.aws import catalog as cat
from mlstrata.targets.aws.state import deploy_role
from mlstrata.targets.registry import TARGETS

AWS_MODULES = modules_dir("aws")
REPO = Path(__file__).resolve().parents[2]


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


# ---- service-linked roles: who creates them in a new account ----

def _module_resource_types(module: str, seen: set[str] | None = None) -> set[str]:
    """Resource types a library module declares, with those of the library modules it calls."""
    seen = set() if seen is None else seen
    seen.add(module)
    types: set[str] = set()
    for tf in sorted((AWS_MODULES / module).glob("*.tf")):
        for block in parse_file(str(tf)).body.blocks:
            if block.type == "resource":
                types.add(block.labels[0])
            elif block.type == "module":
                called = block.body.attributes["source"].value
                if isinstance(called, str) and called.startswith("../") and called[3:] not in seen:
                    types |= _module_resource_types(called[3:], seen)
    return types


def _env_resource_types(files: dict[str, str], env: str) -> set[str]:
    types: set[str] = set()
    for rel, text in files.items():
        if rel.startswith(f"live/{env}/") and rel.endswith(".tf"):
            for block in parse_text(text, rel).body.blocks:
                source = block.body.attributes.get("source") if block.type == "module" else None
                if source is not None and isinstance(source.value, str):
                    types |= _module_resource_types(source.value.rsplit("/", 1)[1])
    return types


def _readme_roles(readme: str) -> dict[str, tuple[str, str, set[str]]]:
    """README "Before the first apply" table: env -> (account, deploy role, iam:AWSServiceName values)."""
    rows = {}
    for line in readme[readme.index("## Before the first apply"):readme.index("## Which layer")].splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 4 and re.fullmatch(r"\d{12}", cells[1]):
            rows[cells[0]] = (cells[1], cells[2].strip("`"), set(re.findall(r"`([a-z.-]+\.amazonaws\.com)`", cells[3])))
    return rows


def test_each_catalogued_service_linked_role_is_created_by_a_module_resource_and_only_autoscaling_by_us() -> None:
    """A service creates its service-linked role the first time it needs it in an account, as the principal
    creating the resource (EKS: "When you create a cluster ... Amazon EKS creates the service-linked role for
    you", https://docs.aws.amazon.com/eks/latest/userguide/using-service-linked-roles-eks.html; node groups,
    RDS, ElastiCache, Application Auto Scaling: each SERVICE_LINKED_ROLES source), which needs
    iam:CreateServiceLinkedRole (https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html
    #service-linked-role-permissions). Creating one with aws_iam_service_linked_role where it exists fails
    ("InvalidInput: Service role name ... has been taken"), so the modules leave them to the services, except
    Auto Scaling's, which the platform key's policy names before any Auto Scaling group exists (kms_key creates
    it only where missing)."""
    declared = {t for m in AWS_MODULES.iterdir() if m.is_dir() for t in _module_resource_types(m.name)}
    assert {r.created_with for r in cat.SERVICE_LINKED_ROLES} <= declared
    created = [(tf.parent.name, b.body.attributes["aws_service_name"].value)
               for tf in sorted(AWS_MODULES.glob("*/*.tf")) for b in parse_file(str(tf)).body.blocks
               if b.type == "resource" and b.labels[0] == "aws_iam_service_linked_role"]
    assert created == [("kms_key", "autoscaling.amazonaws.com")]


@pytest.mark.parametrize("variant", ["example", "karpenter", "redis"])
def test_the_readme_names_each_deploy_role_and_the_service_linked_roles_its_account_gets(variant: str) -> None:
    """The deploy role is not rendered (Terraform runs as it), so the rendered README says, before the first
    apply: bootstrap/state first, in the state account; then each environment's deploy role, in its account,
    allowed on its state (the bucket and key policies admit it, but a cross-account request also needs the
    caller's own IAM policy: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html)
    and to create exactly the service-linked roles that the resources of its units' modules create on first use."""
    text = (REPO / "examples" / "aws" / "platform.yaml").read_text()
    if variant == "karpenter":
        text = text.replace("  autoscaler: cluster-autoscaler ", "  autoscaler: karpenter ")
    elif variant == "redis":
        text = text.replace("  online_store: dynamodb ", "  online_store: redis ")
    loaded = load_text(text, targets=TARGETS)
    files = render_tree(loaded).files
    rows = _readme_roles(files["README.md"])
    platform = loaded.platform
    assert list(rows) == list(platform.environments)
    before = files["README.md"][files["README.md"].index("## Before the first apply"):]
    assert "`bootstrap/state` once, with credentials of account 444444444444" in before
    assert "`arn:aws:s3:::acme-ml-tfstate/acme-ml/<env>/*`" in before and "`state_kms_key_arn`" in before
    for env, spec in platform.environments.items():
        account, role, services = rows[env]
        assert (account, role) == (spec.account, deploy_role(platform, spec))
        types = _env_resource_types(files, env)
        assert services == {r.service for r in cat.SERVICE_LINKED_ROLES if r.created_with in types}, env
        assert {"eks.amazonaws.com", "eks-nodegroup.amazonaws.com", "autoscaling.amazonaws.com",
                "rds.amazonaws.com"} <= services  # cluster, system node group, platform key, metadata store
        assert ("elasticache.amazonaws.com" in services) == (variant == "redis"), env


# ---- cross-account readers of KMS-encrypted buckets ----

def test_every_bucket_reader_and_writer_of_another_account_is_granted_the_bucket_key() -> None:
    """Reading an SSE-KMS object needs kms:Decrypt on its key, writing one kms:GenerateDataKey; a principal of
    another account gets a customer managed key only from the key policy (plus its own account's IAM policy),
    never from this account's IAM (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying-
    external-accounts.html; https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html).
    The example's feature store (platform key) is read by prod's model-serving role from dev and staging; the
    bucket policy let it in and the key did not, so every read failed with AccessDenied from KMS. Each bucket
    the spec lets another account read or write: its key's module names those principals, for that bucket."""
    files = render_tree(load_text((REPO / "examples" / "aws" / "platform.yaml").read_text(), targets=TARGETS)).files
    checked = 0
    for env in ("dev", "staging", "prod"):
        calls = {b.labels[0]: b.body.attributes
                 for b in parse_text(files[f"live/{env}/base/main.tf"], "main.tf").body.blocks if b.type == "module"}
        for attrs in calls.values():
            if not attrs["source"].value.endswith("/artifact_bucket"):
                continue
            bucket, account = attrs["name"].value, attrs["name"].value.rsplit("-", 1)[1]
            key_module = re.fullmatch(r"module\.([a-z_]+)\.key_arn", attrs["kms_key_arn"].expr_text)
            assert key_module is not None, bucket
            key = calls[key_module[1]]
            readers = [a for a in attrs["reader_principal_arns"].value if a.split(":")[4] != account]
            writers = [a for a in attrs["writer_principal_arns"].value if a.split(":")[4] != account]
            grants = {g["bucket"]: g for g in (key["s3_bucket_principals"].value
                                               if "s3_bucket_principals" in key else [])}
            key_wide = set(key["decrypt_principal_arns"].value if "decrypt_principal_arns" in key else []) | set(
                key["user_principal_arns"].value if "user_principal_arns" in key else [])
            for arn in readers:
                assert arn in key_wide or arn in grants.get(bucket, {}).get("readers", []), (env, bucket, arn)
                checked += 1
            for arn in writers:
                assert arn in set(key["user_principal_arns"].value if "user_principal_arns" in key else []) or \
                    arn in grants.get(bucket, {}).get("writers", []), (env, bucket, arn)
                checked += 1
    assert checked >= 4  # the feature store in dev and staging, the registries' next-stage readers


def test_bucket_grants_on_the_key_hold_only_through_s3_and_for_that_bucket() -> None:
    """The grants s3_bucket_principals adds to a key policy: the principals' accounts narrowed to their ARNs by
    aws:PrincipalArn (a role not created yet is no error), kms:ViaService s3.<region>.amazonaws.com, and the
    encryption context S3 passes, aws:s3:arn = the bucket (with a bucket key) or its objects
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#encryption-context;
    https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service)."""
    doc = next(b for b in parse_file(str(AWS_MODULES / "kms_key" / "main.tf")).body.blocks
               if b.type == "data" and b.labels == ["aws_iam_policy_document", "key_policy"])
    bucket_statements = [s for s in _statements(doc.body) if "S3Bucket" in s.attributes["sid"].expr_text]
    assert len(bucket_statements) == 2
    for stmt in bucket_statements:
        conditions = {c.body.attributes["variable"].value: (c.body.attributes["test"].value,
                                                            c.body.attributes["values"].expr_text)
                      for c in stmt.blocks if c.type == "condition"}
        assert conditions["aws:PrincipalArn"][0] == "ArnEquals"
        assert conditions["kms:ViaService"] == (
            "StringEquals", '["s3.${data.aws_region.current.region}.amazonaws.com"]')
        assert conditions["kms:EncryptionContext:aws:s3:arn"][0] == "StringLike"
        assert "s3:::${statement.value.bucket}/*" in conditions["kms:EncryptionContext:aws:s3:arn"][1]
        actions = stmt.attributes["actions"].expr_text
        assert "kms:*" not in actions and "kms:CreateGrant" not in actions and "kms:DescribeKey" not in actions
