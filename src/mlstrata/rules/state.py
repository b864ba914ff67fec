"""State: where root modules keep state, whether it is locked, and how much one state holds (MLS020-MLS022).

A *root* is a directory no scanned module calls that configures a provider or a backend, or that lives
under live/, envs/ or environments/ (a *live root*).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

from mlstrata.diagnostics import Diagnostic, Severity, Where
from mlstrata.hcl.model import Attribute
from mlstrata.rules.base import ModuleRule, RuleInfo
from mlstrata.rules.context import ModuleContext, ModuleFacts, TreeFacts

# Backends that lock only when told how.
LOCK_SETTINGS: dict[str, tuple[str, ...]] = {
    "s3": ("use_lockfile", "dynamodb_table"),
    "http": ("lock_address",),
    "oss": ("tablestore_table",),
}

# Resource type prefixes → the domain a state would hold. Identity, keys, logs and tags are shared
# plumbing of every domain, so they are not counted.
DOMAINS: tuple[tuple[str, str], ...] = (
    ("aws_vpc", "network"),
    ("aws_subnet", "network"),
    ("aws_route", "network"),
    ("aws_nat", "network"),
    ("aws_internet_gateway", "network"),
    ("aws_eip", "network"),
    ("aws_security_group", "network"),
    ("aws_network", "network"),
    ("aws_flow_log", "network"),
    ("aws_vpc_", "network"),
    ("aws_eks", "kubernetes"),
    ("aws_launch_template", "kubernetes"),
    ("aws_autoscaling", "compute"),
    ("aws_instance", "compute"),
    ("aws_s3", "storage"),
    ("aws_efs", "storage"),
    ("aws_fsx", "storage"),
    ("aws_db", "database"),
    ("aws_rds", "database"),
    ("aws_dynamodb", "database"),
    ("aws_elasticache", "database"),
    ("aws_sqs", "messaging"),
    ("aws_sns", "messaging"),
    ("aws_kinesis", "messaging"),
    ("aws_msk", "messaging"),
    ("aws_sagemaker", "ml"),
    ("aws_lambda", "serverless"),
    ("aws_api_gateway", "serverless"),
    ("aws_apigatewayv2", "serverless"),
    ("aws_route53", "dns"),
    ("aws_cloudfront", "cdn"),
    ("aws_lb", "compute"),
    ("aws_ecr", "registry"),
    ("aws_ecs", "containers"),
    ("aws_glue", "analytics"),
    ("aws_athena", "analytics"),
    ("aws_opensearch", "search"),
    ("aws_redshift", "analytics"),
    ("google_compute_network", "network"),
    ("google_compute_subnetwork", "network"),
    ("google_compute_router", "network"),
    ("google_container", "kubernetes"),
    ("google_storage", "storage"),
    ("google_sql", "database"),
    ("google_bigquery", "analytics"),
    ("google_pubsub", "messaging"),
    ("google_vertex_ai", "ml"),
    ("google_artifact_registry", "registry"),
    ("google_cloudfunctions", "serverless"),
    ("azurerm_virtual_network", "network"),
    ("azurerm_subnet", "network"),
    ("azurerm_kubernetes", "kubernetes"),
    ("azurerm_storage", "storage"),
    ("azurerm_postgresql", "database"),
    ("azurerm_machine_learning", "ml"),
    ("helm_release", "kubernetes-apps"),
    ("kubernetes_", "kubernetes-apps"),
)
GIANT_DOMAINS = 6
GIANT_RESOURCES = 250


@cache  # tree-wide: asked once per resource block of every root and the modules it calls
def domain_of(resource_type: str) -> str | None:
    for prefix, domain in DOMAINS:
        if resource_type.startswith(prefix):
            return domain
    return None


def _anchor(ctx: ModuleContext) -> Where:
    if ctx.module.terraform:
        return ctx.module.terraform[0].where
    files = sorted(f.filename for f in ctx.module.files)
    return Where(files[0], 1, 1) if files else Where(ctx.module.directory)


class RemoteBackend(ModuleRule):
    info = RuleInfo(
        "MLS020",
        "state-remote-backend",
        "state",
        Severity.ERROR,
        "Root modules keep state in a remote backend",
        "Without a `backend` block Terraform writes state to terraform.tfstate on whichever machine ran\n"
        "apply: no sharing, no locking, secrets on a laptop. Error for live roots (under live/, envs/,\n"
        'environments/), warning for other roots. An explicit `backend "local" {}` is a stated choice\n'
        "(e.g. the root that creates the state bucket): warning in a live root, info elsewhere, and info\n"
        "when the spec declares `state.backend: local` (the local target's one-machine platform).",
        'Add terraform { backend "s3" { bucket = ..., key = ..., use_lockfile = true } } (or gcs/azurerm).',
    )

    def check(self, ctx: ModuleContext) -> Iterator[Diagnostic]:
        if ctx.role != "root" or ctx.call is not None:
            return
        live = ctx.path_env is not None
        found = ctx.module.backend()
        if found is None:
            yield self.info.finding(
                _anchor(ctx),
                f"root module {ctx.module.name}/ has no backend: state stays local",
                severity=Severity.ERROR if live else Severity.WARNING,
            )
            return
        item, block = found
        if block.type == "backend" and block.labels == ["local"]:
            declared = ctx.spec is not None and ctx.spec.state_backend == "local"
            yield self.info.finding(
                item.at(block),
                f"root module {ctx.module.name}/ keeps state in a local backend"
                + (f" (state.backend: local in {ctx.spec.path})" if declared and ctx.spec else ""),
                severity=Severity.WARNING if live and not declared else Severity.INFO,
                hint="The spec declares it; to share the platform with a team, set state.backend to pg "
                "(or s3, gcs, azurerm) in the spec and render again."
                if declared
                else "",
            )


class BackendLocking(ModuleRule):
    info = RuleInfo(
        "MLS021",
        "state-locking",
        "state",
        Severity.ERROR,
        "Remote state is locked",
        "Two applies on one unlocked state overwrite each other's changes. The s3 backend locks only with\n"
        "`use_lockfile = true` (Terraform >= 1.10, no DynamoDB) or a `dynamodb_table`; http needs a\n"
        "`lock_address`, oss a `tablestore_table`. gcs, azurerm, pg, consul and local lock by themselves.",
        "For s3: add use_lockfile = true to the backend block.",
    )

    def check(self, ctx: ModuleContext) -> Iterator[Diagnostic]:
        found = ctx.own_backend()
        if found is None:
            return
        item, block = found
        kind = block.labels[0] if block.labels else ""
        settings = LOCK_SETTINGS.get(kind)
        if not settings:
            return
        attrs = block.body.attributes
        present = [attrs[s] for s in settings if s in attrs]
        if not present:
            yield self.info.finding(
                item.at(block), f'backend "{kind}" without locking ({" or ".join(settings)})'
            )
            return
        if all(a.value is False or a.value is None or a.value == "" for a in present):
            yield self.info.finding(item.at(present[0]), f'backend "{kind}": locking is switched off')


def _families(tree: TreeFacts, facts: ModuleFacts, seen: set[str]) -> list[str]:
    types = list(facts.resource_types)
    for call in facts.calls:
        if call.target and call.target in tree.modules and call.target not in seen:
            seen.add(call.target)
            types += _families(tree, tree.modules[call.target], seen)
            seen.discard(call.target)
    return types


class GiantState(ModuleRule):
    info = RuleInfo(
        "MLS022",
        "giant-state",
        "state",
        Severity.WARNING,
        "One state does not hold the whole platform",
        f"A root whose resources (its own and its local modules') span {GIANT_DOMAINS} or more unrelated\n"
        f"domains (network, kubernetes, storage, database, messaging, ml, ...) or {GIANT_RESOURCES} or more\n"
        "resource "
        "blocks makes every plan slow, every apply risky and every lock contended. IAM, KMS, logging and\n"
        "similar plumbing are not counted as domains.",
        "Split the root into layers with separate states (e.g. base: network and cluster; platform: "
        "data stores and services), reading outputs through terraform_remote_state.",
    )

    def check_tree(self, tree: TreeFacts) -> Iterator[Diagnostic]:
        for facts in tree.modules.values():
            if facts.role != "root":
                continue
            types = _families(tree, facts, {facts.directory})
            domains = sorted({d for d in map(domain_of, types) if d})
            if len(domains) >= GIANT_DOMAINS or len(types) >= GIANT_RESOURCES:
                yield self.info.finding(
                    facts.where,
                    f"one state holds {len(types)} resource blocks across "
                    f"{len(domains)} domains ({', '.join(domains)})",
                )


def _account(arn: object) -> str | None:
    """The account id field of an ARN (`arn:<partition>:<service>:<region>:<account>:...`)."""
    parts = arn.split(":") if isinstance(arn, str) else []
    return parts[4] if len(parts) > 5 and parts[0] == "arn" and parts[4].isdigit() else None


def _alias_account(key: str) -> str | None:
    """The account an alias ARN names; None when `key` is not an alias ARN (a bare `alias/...` names none: it is
    resolved in the requester's account)."""
    return _account(key) if key.startswith("arn:") and ":alias/" in key else None


class BackendKmsKey(ModuleRule):
    info = RuleInfo(
        "MLS027",
        "state-backend-kms",
        "state",
        Severity.WARNING,
        "S3 state is encrypted with a customer managed KMS key the writer can name",
        "`encrypt = true` on an s3 backend without `kms_key_id` makes Terraform ask for SSE-S3 on every write,\n"
        "overriding the bucket's default: anyone who can read the bucket reads every secret-bearing attribute in\n"
        "state, and no key policy limits who may decrypt. With `kms_key_id` set to an alias ARN while the\n"
        "backend assumes a role in another account, S3 resolves the alias in the requester's account, not the key's:\n"
        "\"If you use a KMS key alias instead, then KMS resolves the key within the\n"
        "requester's account\"; cross-account writes need the key's full ARN. So does a bare `alias/...` (or key id)\n"
        "with `encrypt = true` when the backend assumes a role (`assume_role.role_arn`, or `role_arn`): it names no\n"
        "account, and S3 resolves it in the role's, which need not be the bucket owner's.\n"
        "A backend with neither `encrypt` nor `kms_key_id` sends no encryption header, so the bucket's default\n"
        "encryption decides, which `check` cannot see from the backend block (it is the bucket owner's setting).\n"
        "https://developer.hashicorp.com/terraform/language/backend/s3#kms_key_id\n"
        "https://docs.aws.amazon.com/AmazonS3/latest/API/API_ServerSideEncryptionByDefault.html\n"
        "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html",
        'Set kms_key_id = "arn:aws:kms:<region>:<account>:key/<key-id>" (the key\'s full ARN) in the backend "s3" '
        "block, or drop encrypt so that the bucket's default SSE-KMS applies.",
    )

    def check(self, ctx: ModuleContext) -> Iterator[Diagnostic]:
        found = ctx.own_backend()
        if found is None:
            return
        item, block = found
        if block.type != "backend" or block.labels[:1] != ["s3"]:
            return
        attrs = block.body.attributes
        key = attrs.get("kms_key_id")
        if key is None or key.value in (None, ""):
            encrypt = attrs.get("encrypt")
            if encrypt is not None and encrypt.value is True:
                yield self.info.finding(item.at(encrypt),
                                        'backend "s3" with encrypt = true and no kms_key_id: state is SSE-S3, '
                                        "not SSE-KMS")
            return
        if not isinstance(key.value, str):
            return
        role_arn = _role_arn(attrs)
        role_account = _account(role_arn)
        if role_account is None:
            return
        encrypt = attrs.get("encrypt")
        if not key.value.startswith("arn:") and encrypt is not None and encrypt.value is True:
            kind = "alias" if key.value.startswith("alias/") else "key id"
            yield self.info.finding(
                item.at(key),
                f'backend "s3" kms_key_id is a bare {kind} ({key.value}) and the backend writes as {role_arn}: '
                f"S3 resolves a bare {kind} in the requester's account ({role_account}), whoever owns the bucket",
                hint="Use the key's full ARN (arn:aws:kms:<region>:<account>:key/<key-id>) as kms_key_id: AWS "
                f"requires it for cross-account writes, and a bare {kind} picks the key {role_account} knows as "
                f"{key.value}, or fails where that account has none.",
            )
            return
        alias_account = _alias_account(key.value)
        if alias_account is None or role_account == alias_account:
            return
        yield self.info.finding(
            item.at(key),
            f'backend "s3" kms_key_id is an alias ({key.value}) but the backend writes as {role_arn}: S3 resolves '
            f"the alias in account {role_account}, not {alias_account}",
            hint="Use the key's full ARN (arn:aws:kms:<region>:<account>:key/<key-id>) as kms_key_id, or drop "
            "encrypt and kms_key_id so that the bucket's default encryption applies.",
        )


def _role_arn(attrs: dict[str, Attribute]) -> object:
    """The role an s3 backend writes as: `assume_role.role_arn` (Terraform >= 1.6), else the older top-level
    `role_arn`; None when it assumes none."""
    role = attrs.get("assume_role")
    if role is not None and isinstance(role.partial_value, dict):
        return role.partial_value.get("role_arn")
    return attrs["role_arn"].value if "role_arn" in attrs else None
