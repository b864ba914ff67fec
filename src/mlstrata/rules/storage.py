"""Registry and artifact storage: S3 buckets and their separate settings resources (MLS010-MLS014).

AWS provider 4+ configures a bucket through separate resources (`aws_s3_bucket_versioning`, ...)
linked by `bucket = aws_s3_bucket.x.id`. Links are resolved within a module, by reference or by a
literal bucket name; the pre-4 inline blocks count too. Buckets whose names (or module) say they hold ML
artifacts (model, artifact, registry, dataset, checkpoint, feature, mlflow, ...) get the rule's severity;
other buckets get a warning.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from mlstrata.diagnostics import Diagnostic, Severity, Where
from mlstrata.hcl import UNKNOWN, Block
from mlstrata.rules.base import ModuleRule, RuleInfo
from mlstrata.rules.blocks import expand, first
from mlstrata.rules.context import ModuleContext
from mlstrata.rules.iam import Statement, resolved_statements
from mlstrata.rules.model import Item

BUCKET = "aws_s3_bucket"
PARTS = (
    "aws_s3_bucket_versioning",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_policy",
    "aws_s3_bucket_lifecycle_configuration",
)
ML_WORDS = re.compile(
    r"model|artifact|registry|dataset|checkpoint|feature|mlflow|sagemaker|training|experiment"
    r"|(^|[^a-z])ml([^a-z]|$)",
    re.IGNORECASE,
)
LOG_SERVICE = "logging.s3.amazonaws.com"
PUBLIC_FLAGS = ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")


@dataclass
class Bucket:
    item: Item
    ml: bool
    parts: dict[str, list[Item]]
    log_target: bool = False


def buckets(ctx: ModuleContext) -> list[Bucket]:
    """Each existing bucket of the module with the settings resources linked to it."""
    cached = ctx.memo.get("buckets")
    if isinstance(cached, list):
        return cached
    result = _link_buckets(ctx)
    ctx.memo["buckets"] = result
    return result


def _link_buckets(ctx: ModuleContext) -> list[Bucket]:
    found = ctx.instances(("resource",), BUCKET)
    if not found:
        return []
    names: dict[str, Item] = {}
    for b in found:
        name = ctx.value(b.attr("bucket"))
        if isinstance(name, str):
            names[name] = b
    out = {b.address: Bucket(b, _is_ml(ctx, b), {p: [] for p in PARTS}) for b in found}
    for part in ctx.instances(("resource",), *PARTS):
        attr = part.attr("bucket")
        if attr is None:
            continue
        targets = ctx.module.referenced(attr.expr_text, BUCKET)
        if not targets:
            name = ctx.value(attr)
            targets = [names[name]] if isinstance(name, str) and name in names else []
        for target in targets:
            if target.address in out:
                out[target.address].parts[part.type].append(part)
    for logging in ctx.instances(("resource",), "aws_s3_bucket_logging"):
        attr = logging.attr("target_bucket")
        for target in ctx.module.referenced(attr.expr_text, BUCKET) if attr is not None else []:
            out[target.address].log_target = True
    for bucket in out.values():
        policies = [p.attr("policy") for p in bucket.parts["aws_s3_bucket_policy"]]
        for attr in policies:
            for st in resolved_statements(ctx, bucket.item, attr) or []:
                if st.allows and any(LOG_SERVICE in ids for _, ids in st.principals or []):
                    bucket.log_target = True
    return list(out.values())


def _is_ml(ctx: ModuleContext, item: Item) -> bool:
    texts = [item.name, ctx.module.name]
    for name in ("bucket", "bucket_prefix", "tags"):
        attr = item.attr(name)
        if attr is not None:
            texts.append(attr.expr_text)
            value = ctx.value(attr)
            if isinstance(value, str):
                texts.append(value)
    if ctx.call is not None:
        texts.append(ctx.call.name)
    return any(ML_WORDS.search(t) for t in texts)


class _BucketRule(ModuleRule):
    def finding(self, bucket: Bucket, where: Where, summary: str) -> Diagnostic:
        severity = self.info.severity if bucket.ml else Severity.WARNING
        return self.info.finding(where, summary, path=bucket.item.address, severity=severity)


class Versioning(_BucketRule):
    info = RuleInfo(
        "MLS010",
        "bucket-versioning",
        "storage",
        Severity.ERROR,
        "Artifact and registry buckets keep object versions",
        "Model artifacts, datasets and checkpoints are overwritten by name. Without versioning an overwrite\n"
        "or delete loses the previous model for good, and a registry entry can point at bytes that changed.",
        'Add aws_s3_bucket_versioning with versioning_configuration { status = "Enabled" }.',
    )

    def check(self, ctx: ModuleContext) -> Iterator[Diagnostic]:
        for bucket in buckets(ctx):
            legacy = first(bucket.item.body, "versioning")
            if legacy is not None:
                enabled = ctx.value(legacy.body.attributes.get("enabled"))
                if enabled is False:
                    yield self.finding(bucket, bucket.item.at(legacy), "versioning disabled")
                continue
            parts = bucket.parts["aws_s3_bucket_versioning"]
            if not parts:
                yield self.finding(bucket, bucket.item.where, "no aws_s3_bucket_versioning (versioning off)")
            for part in parts:
                config = first(part.body, "versioning_configuration")
                status = config.body.attributes.get("status") if config is not None else None
                got = ctx.resolve(part, status)
                if status is not None and isinstance(got.value, str) and got.value != "Enabled":
                    yield self.finding(bucket, got.where, f"versioning status is {got.value}")


class Encryption(_BucketRule):
    info = RuleInfo(
        "MLS011",
        "bucket-kms",
        "storage",
        Severity.ERROR,
        "Artifact and registry buckets are encrypted with KMS",
        "S3 encrypts new objects with S3-managed keys (SSE-S3) by default, which anyone with s3:GetObject\n"
        "can "
        "read. A customer-managed KMS key adds a second, auditable permission and lets a key policy fence\n"
        "model artifacts and training data off. Server access log target buckets (targeted by an\n"
        "aws_s3_bucket_logging, or whose policy lets logging.s3.amazonaws.com write) are exempt: S3 log\n"
        "delivery supports only SSE-S3 there. With a spec, a bucket platform.yaml declares S3-managed\n"
        "encryption for (`model_registry.encryption: managed`) is reported as info: a stated choice.",
        'Add aws_s3_bucket_server_side_encryption_configuration with sse_algorithm = "aws:kms" and a key.',
    )

    def check(self, ctx: ModuleContext) -> Iterator[Diagnostic]:
        for bucket in buckets(ctx):
            if bucket.log_target:
                continue
            configs: list[tuple[Item, Block | None]] = [
                (bucket.item, b) for b in bucket.item.body.blocks_of("server_side_encryption_configuration")
            ]
            configs += [(p, None) for p in bucket.parts["aws_s3_bucket_server_side_encryption_configuration"]]
            if not configs:
                yield self.finding(bucket, bucket.item.where, "no KMS encryption configured (SSE-S3 default)")
                continue
            for owner, block in configs:
                body = block.body if block is not None else owner.body
                for rule in expand(ctx, body, "rule").blocks:
                    default = first(rule.block.body, "apply_server_side_encryption_by_default")
                    attr = default.body.attributes.get("sse_algorithm") if default is not None else None
                    if attr is None:
                        continue
                    got = ctx.resolve(owner, attr, rule.scope)
                    if not isinstance(got.value, str) or got.value.startswith("aws:kms"):
                        continue
                    declared = self._declared(ctx, bucket)
                    if got.value == "AES256" and declared:
                        yield self.info.finding(
                            got.where,
                            f"SSE-S3 (AES256), as the spec declares ({declared})",
                            path=bucket.item.address,
                            severity=Severity.INFO,
                            detail=f"declared in {ctx.spec.path if ctx.spec else 'platform.yaml'}",
                            hint="Nothing to do if S3-managed keys are what you want; declare "
                            "encryption: kms for a customer-managed key.",
                        )
                        continue
                    yield self.finding(bucket, got.where, f"sse_algorithm is {got.value}, not aws:kms")

    @staticmethod
    def _declared(ctx: ModuleContext, bucket: Bucket) -> str | None:
        """The spec's declaration of SSE-S3 for this bucket (by its resolved name), if any."""
        if ctx.spec is None or not ctx.spec.sse_s3_buckets:
            return None
        name = ctx.value(bucket.item.attr("bucket"))
        return ctx.spec.sse_s3_buckets.get(name) if isinstance(name, str) else None


class PublicAccess(_BucketRule):
    info = RuleInfo(
        "MLS012",
        "bucket-public-access",
        "storage",
        Severity.ERROR,
        "Artifact and registry buckets block public access",
        "An aws_s3_bucket_public_access_block with all four flags true stops a bucket policy or ACL from\n"
        "ever making model artifacts or datasets public. Flags left out default to false. An account-wide\n"
        "aws_s3_account_public_access_block in the same module counts too.",
        "Add aws_s3_bucket_public_access_block with block_public_acls, block_public_policy, "
        "ignore_public_acls "
        "and restrict_public_buckets = true.",
    )

    def check(self, ctx: ModuleContext) -> Iterator[Diagnostic]:
        account_wide = bool(ctx.instances(("resource",), "aws_s3_account_public_access_block"))
        for bucket in buckets(ctx):
            parts = bucket.parts["aws_s3_bucket_public_access_block"]
            if not parts:
                if not account_wide:
                    yield self.finding(bucket, bucket.item.where, "no aws_s3_bucket_public_access_block")
                continue
            for part in parts:
                for flag in PUBLIC_FLAGS:
                    attr = part.attr(flag)
                    if attr is None:
                        yield self.finding(bucket, part.where, f"{flag} not set (defaults to false)")
                        continue
                    got = ctx.resolve(part, attr)
                    if got.value is False:
                        yield self.finding(bucket, got.where, f"{flag} = false")


def _tls_only(statements: list[Statement]) -> bool:
    for st in statements:
        effect = st.effect
        for test, variable, values in st.conditions:
            if variable is UNKNOWN or effect is UNKNOWN:
                return True  # not readable: do not claim it is missing
            if (
                effect == "Deny"
                and variable == "aws:SecureTransport"
                and any(v in ("false", False) for v in values)
            ):
                return True
            if effect == "Deny" and variable == "s3:TlsVersion" and str(test).startswith("NumericLessThan"):
                return True
    return False


class TlsOnly(_BucketRule):
    info = RuleInfo(
        "MLS013",
        "bucket-tls-only",
        "storage",
        Severity.ERROR,
        "Artifact and registry buckets refuse plain HTTP",
        "S3 accepts unencrypted HTTP requests unless the bucket policy denies them. Deny every action when\n"
        "`aws:SecureTransport` is false, so model artifacts and credentials-bearing requests never travel\n"
        "in clear text.",
        "Add a bucket policy statement: Deny s3:* to * when Bool aws:SecureTransport = false.",
    )

    def check(self, ctx: ModuleContext) -> Iterator[Diagnostic]:
        for bucket in buckets(ctx):
            policies = [(p, p.attr("policy")) for p in bucket.parts["aws_s3_bucket_policy"]]
            if bucket.item.attr("policy") is not None:
                policies.append((bucket.item, bucket.item.attr("policy")))
            if not policies:
                yield self.finding(bucket, bucket.item.where, "no bucket policy denying non-TLS requests")
                continue
            statements: list[Statement] = []
            readable = True
            for owner, attr in policies:
                found = resolved_statements(ctx, owner, attr)
                if found is None or any(not st.known for st in found):
                    readable = False
                    break
                statements += found
            if readable and not _tls_only(statements):
                yield self.finding(
                    bucket, policies[0][0].where, "bucket policy does not deny non-TLS requests"
                )


class Retention(_BucketRule):
    info = RuleInfo(
        "MLS014",
        "bucket-retention",
        "storage",
        Severity.WARNING,
        "Artifact and registry buckets have a retention lifecycle",
        "Checkpoints and old model versions pile up: with versioning on, every overwrite keeps a paid copy\n"
        "forever. A lifecycle rule with an expiration or a noncurrent-version expiration bounds the bill.",
        "Add aws_s3_bucket_lifecycle_configuration with expiration and/or noncurrent_version_expiration.",
    )

    def check(self, ctx: ModuleContext) -> Iterator[Diagnostic]:
        for bucket in buckets(ctx):
            rules = [(bucket.item, r.block) for r in expand(ctx, bucket.item.body, "lifecycle_rule").blocks]
            unknown = False
            for part in bucket.parts["aws_s3_bucket_lifecycle_configuration"]:
                expansion = expand(ctx, part.body, "rule")
                unknown = unknown or expansion.unknown
                rules += [(part, r.block) for r in expansion.blocks]
            if unknown:
                continue
            expiring = [
                r
                for _, r in rules
                if {b.type for b in r.body.blocks}
                & {"expiration", "noncurrent_version_expiration", "dynamic"}
                and ctx.value(r.body.attributes.get("status")) != "Disabled"
                and ctx.value(r.body.attributes.get("enabled")) is not False
            ]
            if not expiring:
                where = rules[0][0].where if rules else bucket.item.where
                yield self.finding(bucket, where, "no lifecycle rule expires objects or old versions")
