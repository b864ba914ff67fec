"""The per-resource checks of `mlstrata review`: each looks at one planned change and returns hits.

Checks meant for what exists (IAM widened, protection off) look at the object after the change and
so never fire on a resource being deleted; destroy checks look only at destructive actions.
Values are shown only when Terraform does not mark them sensitive, and never more than a short name.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from mlstrata.diagnostics import Severity
from mlstrata.plan import Action, ResourceChange
from mlstrata.plan.model import ValueKeys
from mlstrata.review.classes import (
    DRIFT,
    ENDPOINT_REPLACED,
    GPU_CAPACITY,
    IAM_WIDENED,
    PRESENT_RISK,
    PROTECTED_DESTROY,
    PROTECTION_OFF,
    STATEFUL_DESTROY,
    RiskClass,
)
from mlstrata.rules.iam_grants import (
    ADMIN_POLICY_SUFFIXES,
    REGISTRY_LEVELS,
    Widening,
    grants,
    level_widening,
    parse_policy,
    widening,
)
from mlstrata.targets.resources import HOLDS


@dataclass(frozen=True)
class Hit:
    """One finding before it is placed: its class, a one-line summary and the detail."""

    risk: RiskClass
    summary: str
    detail: str = ""
    severity: Severity | None = None  # None: the class's severity for the environment


@dataclass(frozen=True)
class PlanFacts:
    """What checks need to know about the rest of the plan."""

    deleted_buckets: frozenset[str] = frozenset()
    state_buckets: frozenset[str] = frozenset()
    protected: bool = False


# -- stateful ML resources -------------------------------------------------------------------------

_STATE_NAME = re.compile(r"(tf|terraform)[-_.]?state", re.IGNORECASE)
_NAME_KEYS = ("name", "bucket", "identifier", "node_group_name", "model_package_group_name", "repository_id",
              "secret_id")


def sensitive(rc: ResourceChange, key: str) -> bool:
    """True when Terraform marks `key` sensitive on either side of the change."""
    before, after = rc.before_sensitive, rc.after_sensitive  # read for every finding's name: no generator
    return (isinstance(before, dict) and bool(before.get(key))) or (isinstance(after, dict) and bool(after.get(key)))


def unknown(rc: ResourceChange, key: str) -> bool:
    """True when `key` is only known after apply."""
    return isinstance(rc.after_unknown, dict) and bool(rc.after_unknown.get(key))


def shown(rc: ResourceChange, key: str, value: Any) -> str:
    """A short, safe rendering of a value (sensitive ones hidden)."""
    if sensitive(rc, key):
        return "(sensitive)"
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def object_name(rc: ResourceChange) -> str:
    """The object's own name (bucket name, registry name ...), else its resource name."""
    # peeked: the name is often all that is read of a change (a finding's name, a destroyed bucket's)
    values = rc.peek("before", VALUE_KEYS)
    if not isinstance(values, dict):
        values = rc.peek("after", VALUE_KEYS)
        if not isinstance(values, dict):
            values = {}
    for key in _NAME_KEYS:
        value = values.get(key)
        if isinstance(value, str) and value and not sensitive(rc, key):
            return value
    return rc.name


def stateful_kind(rc: ResourceChange, facts: PlanFacts) -> str | None:
    """What kind of stateful ML resource this is, or None."""
    kind = HOLDS.get(rc.type)
    # Azure ML registries and workspaces (a workspace on a shared-key-off account is declared through azapi)
    if rc.type == "azapi_resource" and rc.arm_type in ("Microsoft.MachineLearningServices/registries",
                                                       "Microsoft.MachineLearningServices/workspaces"):
        return "model registry"
    if rc.type in FEATURE_STORE_TYPES and _feature_store(rc):
        return FEATURE_STORE_TYPES[rc.type]
    if rc.type == "aws_s3_bucket":
        name = object_name(rc)
        if name in facts.state_buckets or _STATE_NAME.search(name) or _STATE_NAME.search(rc.name):
            return "Terraform state bucket"
    return kind


# Feast names DynamoDB online tables <project>.<feature view>; caches and tables named for a feature store.
_FEAST = re.compile(r"feast|feature[-_ ]?(store|group|view)|online[-_ ]?store", re.IGNORECASE)
FEATURE_STORE_TYPES = {
    "aws_dynamodb_table": "feature store table",
    "aws_sagemaker_feature_group": "feature store table",
    "aws_elasticache_replication_group": "feature store online store",
    "google_redis_instance": "feature store online store",
    "azurerm_redis_cache": "feature store online store",
    "azurerm_managed_redis": "feature store online store",
}



def _feature_store(rc: ResourceChange) -> bool:
    name = object_name(rc)
    return (rc.type == "aws_sagemaker_feature_group" or bool(_FEAST.search(f"{rc.name} {name} {rc.address}"))
            or (rc.type == "aws_dynamodb_table" and "." in name))


_LOSS = {
    "": "the data it holds would be lost",
    "feature store table": "its online feature values are gone: predictions read missing features until the next "
    "materialisation backfills it",
    "feature store online store": "every online feature value is gone: predictions read missing features until the "
    "next materialisation backfills it",
    "Terraform state bucket": "the state of every unit in it would be lost",
    "KMS key": "everything encrypted with it becomes unreadable once the deletion window ends",
    "registered model": "its versions, stages and aliases would be lost",
    "Kubernetes cluster": "every workload, serving release, in-cluster secret and volume claim on it goes with it, "
    "and workload identities federated to its OIDC issuer stop working until they are re-federated",
    "model registry": "its models, versions and permissions would be lost",
    "feature store": "its feature registry, online store and offline feature files would be lost",
}


def _verb(action: Action) -> str:
    if action is Action.DELETE_THEN_CREATE:
        return "replaced (destroyed, then created)"
    if action is Action.CREATE_THEN_DELETE:
        return "replaced (created, then the old one destroyed)"
    return "destroyed"


def _why(rc: ResourceChange) -> str:
    parts = []
    if rc.replace_paths:
        forced = sorted({".".join(str(p) for p in path) for path in rc.replace_paths})
        changes = []
        for path in forced:
            key = path.split(".", 1)[0]
            before = rc.before.get(key) if isinstance(rc.before, dict) else None
            after = rc.after.get(key) if isinstance(rc.after, dict) else None
            if "." not in path and isinstance(before, str | int | bool) and isinstance(after, str | int | bool):
                changes.append(f"`{path}` {shown(rc, key, before)} -> {shown(rc, key, after)}")
            else:
                changes.append(f"`{path}`")
        parts.append("forced by " + ", ".join(changes))
    if rc.action_reason:
        parts.append(f"reason: {rc.action_reason.replace('_', ' ')}")
    if rc.deposed:
        parts.append(f"deposed object {rc.deposed}")
    return "; ".join(parts)


def model_versions(rc: ResourceChange) -> int | None:
    """How many versions a registered model held when the plan was made (its refreshed state), or None when
    the state does not say (another provider, or a state from before the provider reported it)."""
    before = rc.before if isinstance(rc.before, dict) else {}
    count = before.get("version_count")
    return count if isinstance(count, int) and not isinstance(count, bool) and count >= 0 else None


def _model_hit(rc: ResourceChange, why: str) -> Hit:
    """Deleting a registered model blocks when it has versions (or nobody knows); without any it loses
    nothing a plan cannot bring back, so it is shown, not blocking."""
    count = model_versions(rc)
    name, verb = object_name(rc), _verb(rc.action)
    if count == 0:
        return Hit(STATEFUL_DESTROY, f"registered model `{name}` is {verb}: it has no versions, nothing is lost",
                   why, severity=Severity.INFO)
    if count is None:
        return Hit(STATEFUL_DESTROY, f"registered model `{name}` is {verb}: {_LOSS['registered model']}", why)
    return Hit(STATEFUL_DESTROY, f"registered model `{name}` is {verb}: its {count} version"
               f"{'s' if count != 1 else ''}, stages and aliases would be lost", why)


def check_destroy(rc: ResourceChange, facts: PlanFacts) -> Iterator[Hit]:
    if not rc.action.is_destructive:
        return
    kind = stateful_kind(rc, facts)
    why = _why(rc)
    if kind == "registered model":
        yield _model_hit(rc, why)
    elif kind == "Kubernetes cluster":
        # blocking where protected; elsewhere a warning: a dev cluster rebuilt by a forced change is routine
        yield Hit(STATEFUL_DESTROY, f"{kind} `{object_name(rc)}` is {_verb(rc.action)}: {_LOSS[kind]}", why,
                  severity=None if facts.protected else Severity.WARNING)
    elif kind is not None:
        yield Hit(STATEFUL_DESTROY, f"{kind} `{object_name(rc)}` is {_verb(rc.action)}: {_LOSS.get(kind, _LOSS[''])}",
                  why)
    elif facts.protected and not serving_change(rc):
        # a serving endpoint or release has its own, stricter class (MLR008): one finding per change
        yield Hit(PROTECTED_DESTROY, f"{rc.type} `{object_name(rc)}` is {_verb(rc.action)} in a protected "
                  "environment", why)


# -- IAM --------------------------------------------------------------------------------------------

POLICY_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "aws_iam_policy": ("policy",),
    "aws_iam_role_policy": ("policy",),
    "aws_iam_user_policy": ("policy",),
    "aws_iam_group_policy": ("policy",),
    "aws_iam_role": ("assume_role_policy",),
    "aws_s3_bucket_policy": ("policy",),
    "aws_kms_key": ("policy",),
    "aws_sagemaker_model_package_group_policy": ("resource_policy",),
    "aws_ecr_repository_policy": ("policy",),
}
ATTACHMENT_TYPES = frozenset({"aws_iam_role_policy_attachment", "aws_iam_policy_attachment",
                              "aws_iam_user_policy_attachment", "aws_iam_group_policy_attachment"})
# GCP IAM: google_<resource>_iam_member / _binding grant one role to one member / several members.
_GCP_IAM = re.compile(r"^google_[a-z0-9_]*_iam_(member|binding)$")
# Roles that administer what they are granted on, or everything (basic roles).
_GCP_BROAD_ROLE = re.compile(r"^roles/(owner|editor|[a-zA-Z.]*[aA]dmin)$")
_GCP_PUBLIC = frozenset({"allUsers", "allAuthenticatedUsers"})
ACCESS_MAPS: dict[str, str] = {"mlstrata_registry_permissions": "grants", "mlstrata_artifact_bucket": "access"}


def _values(side: Any) -> dict[str, Any]:
    return side if isinstance(side, dict) else {}


def _items(value: Any) -> list[Any]:
    """A plan value that should be a list of blocks; anything else (hostile or malformed JSON) is none."""
    return value if isinstance(value, list) else []


def _policy_values(rc_type: str, values: dict[str, Any]) -> dict[str, Any]:
    """Attribute label -> policy document as the plan holds it (JSON text or an object; `parse_policy` reads
    it), including a role's inline policies."""
    docs: dict[str, Any] = {}
    for attr in POLICY_ATTRIBUTES.get(rc_type, ()):
        docs[attr] = values.get(attr)
    if rc_type == "aws_iam_role":
        for block in _items(values.get("inline_policy")):
            if isinstance(block, dict) and block.get("policy"):
                docs[f"inline_policy.{block.get('name', '')}"] = block.get("policy")
    return docs


# every attribute `_iam_widening` reads, of any type
IAM_READS = (*(attr for attrs in POLICY_ATTRIBUTES.values() for attr in attrs), "inline_policy", "managed_policy_arns",
             "policy_arn", "role", "member", "members", *ACCESS_MAPS.values(), "default_permission", "is_admin")


def _iam_widening(rc: ResourceChange, before: dict[str, Any], after: dict[str, Any],
                  new_object: bool) -> tuple[Widening, list[str]]:
    found = Widening()
    labels: list[str] = []
    old_values = _policy_values(rc.type, before)
    for label, value in _policy_values(rc.type, after).items():
        old_value = old_values.get(label)
        # the same text is the same document: not parsed twice to find that out (most updates of a policy's
        # resource change its tags, not its document: on the 20k-change plan 2,000 documents are parsed, were
        # 4,666)
        if old_value == value:
            continue
        old_doc, doc = parse_policy(old_value), parse_policy(value)
        if old_doc == doc:  # unchanged (tags or other arguments changed): the same grants widen nothing
            continue
        w = widening(grants(old_doc), grants(doc), new_object=new_object)
        if w:
            found.merge(w)
            labels.append(label)
    if rc.type in ATTACHMENT_TYPES or rc.type == "aws_iam_role":
        key = "policy_arn" if rc.type in ATTACHMENT_TYPES else "managed_policy_arns"
        old = {str(a) for a in _as_list(before.get(key))}
        for arn in sorted({str(a) for a in _as_list(after.get(key))} - old):
            if arn.endswith(ADMIN_POLICY_SUFFIXES):
                found.other.append(f"attaches {arn}")
                labels.append(key)
    if _GCP_IAM.match(rc.type):
        role = str(after.get("role") or "")
        old = {str(m) for key in ("member", "members") for m in _as_list(before.get(key))}
        if str(before.get("role") or "") != role:
            old = set()
        for member in sorted({str(m) for key in ("member", "members") for m in _as_list(after.get(key))} - old):
            if member in _GCP_PUBLIC or _GCP_BROAD_ROLE.match(role):
                found.other.append(f"grants {role} to {member}")
                labels.append("member")
    if rc.type in ACCESS_MAPS:
        key = ACCESS_MAPS[rc.type]
        w = level_widening(before.get(key), after.get(key), new_object=new_object)
        if w:
            found.merge(w)
            labels.append(key)
    if rc.type == "mlstrata_model_registry" and not new_object:
        old_level, new_level = str(before.get("default_permission")), str(after.get("default_permission"))
        if REGISTRY_LEVELS.get(new_level.upper(), 0) > REGISTRY_LEVELS.get(old_level.upper(), 0):
            found.other.append(f"default permission {old_level} -> {new_level} (every user)")
            labels.append("default_permission")
    if rc.type == "mlstrata_service_account" and after.get("is_admin") is True and before.get("is_admin") is not True:
        found.other.append("made a registry admin")
        labels.append("is_admin")
    return found, labels


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


@functools.lru_cache(maxsize=1024)
def iam_watched(rc_type: str) -> bool:
    """True for the resource types whose grants `_iam_widening` reads (asked first: most types are not)."""
    return (rc_type in POLICY_ATTRIBUTES or rc_type in ATTACHMENT_TYPES or rc_type in ACCESS_MAPS
            or bool(_GCP_IAM.match(rc_type)) or rc_type in ("mlstrata_model_registry", "mlstrata_service_account"))


def check_iam(rc: ResourceChange, facts: PlanFacts) -> Iterator[Hit]:
    # the type first, then only the attributes read (plan/model.py: `peek`)
    if not iam_watched(rc.type) or rc.action in (Action.DELETE, Action.FORGET, Action.NO_OP, Action.READ):
        return
    after = rc.peek("after", VALUE_KEYS)
    if not isinstance(after, dict):
        return
    before = rc.peek("before", VALUE_KEYS)
    new_object = before is None
    pending = [a for a in POLICY_ATTRIBUTES.get(rc.type, ()) if unknown(rc, a)]
    if pending and rc.action is Action.UPDATE:
        yield Hit(IAM_WIDENED, f"{rc.type} `{object_name(rc)}`: {', '.join(pending)} is known only after apply, "
                  "so the change to it cannot be reviewed", "Render the document at plan time "
                  "(jsonencode or aws_iam_policy_document of known values) to review it.", Severity.INFO)
    found, labels = _iam_widening(rc, _values(before), after, new_object)
    if not found:
        return
    where = f" ({', '.join(dict.fromkeys(labels))})" if labels else ""
    what = "new policy grants wildcards" if new_object else "widened"
    yield Hit(IAM_WIDENED, f"{rc.type} `{object_name(rc)}` {what}{where}: {found.text()}")


# -- protection settings ----------------------------------------------------------------------------

Getter = Callable[[dict[str, Any]], bool | None]
# the attributes each getter reads: what `check_protection` decodes of a change's values
READS: dict[Getter, tuple[str, ...]] = {}


def _reads(*keys: str) -> Callable[[Getter], Getter]:
    def mark(get: Getter) -> Getter:
        READS[get] = keys
        return get
    return mark


def _flag(key: str, *, inverted: bool = False) -> Getter:
    @_reads(key)
    def get(values: dict[str, Any]) -> bool | None:
        value = values.get(key)
        if not isinstance(value, bool):
            return None
        return not value if inverted else value
    return get


def _first(values: dict[str, Any], key: str) -> dict[str, Any] | None:
    block = values.get(key)
    if isinstance(block, list) and block and isinstance(block[0], dict):
        return block[0]
    return None


def _nested(key: str, sub: str) -> Getter:
    @_reads(key)
    def get(values: dict[str, Any]) -> bool | None:
        block = _first(values, key)
        value = block.get(sub) if block is not None else None
        return value if isinstance(value, bool) else None
    return get


@_reads("versioning_configuration")
def _versioning_status(values: dict[str, Any]) -> bool | None:
    block = _first(values, "versioning_configuration")
    status = block.get("status") if block is not None else None
    return None if not isinstance(status, str) else status == "Enabled"


def _algorithms(values: dict[str, Any]) -> list[str] | None:
    rules = values.get("rule")
    if not isinstance(rules, list):
        return None
    out = []
    for rule in rules:
        for default in _items(rule.get("apply_server_side_encryption_by_default")) if isinstance(rule, dict) else []:
            if isinstance(default, dict):
                out.append(str(default.get("sse_algorithm", "")))
    return out


@_reads("rule")
def _sse_on(values: dict[str, Any]) -> bool | None:
    found = _algorithms(values)
    return None if found is None else bool(found)


@_reads("rule")
def _sse_kms(values: dict[str, Any]) -> bool | None:
    found = _algorithms(values)
    return None if found is None else any(a.startswith("aws:kms") for a in found)


@_reads("server_side_encryption_configuration")
def _legacy_sse(values: dict[str, Any]) -> bool | None:
    block = values.get("server_side_encryption_configuration")
    return None if not isinstance(block, list) else bool(block)


@_reads("public_access_prevention")
def _public_access_prevention(values: dict[str, Any]) -> bool | None:
    value = values.get("public_access_prevention")
    return None if not isinstance(value, str) else value == "enforced"


_PUBLIC_ACCESS: list[tuple[str, Getter]] = [
    (f"public-access block `{k}`", _flag(k))
    for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
]
SETTINGS: dict[str, list[tuple[str, Getter]]] = {
    "aws_s3_bucket": [("versioning", _nested("versioning", "enabled")), ("encryption", _legacy_sse),
                      ("deletion protection (force_destroy = false)", _flag("force_destroy", inverted=True))],
    "aws_s3_bucket_versioning": [("versioning", _versioning_status)],
    "aws_s3_bucket_server_side_encryption_configuration": [("encryption", _sse_on), ("KMS encryption", _sse_kms)],
    "aws_s3_bucket_public_access_block": _PUBLIC_ACCESS,
    "aws_s3_account_public_access_block": _PUBLIC_ACCESS,
    "aws_db_instance": [("deletion protection", _flag("deletion_protection")),
                        ("storage encryption", _flag("storage_encrypted")),
                        ("public access blocked (publicly_accessible = false)",
                         _flag("publicly_accessible", inverted=True)),
                        ("final snapshot", _flag("skip_final_snapshot", inverted=True))],
    "aws_rds_cluster": [("deletion protection", _flag("deletion_protection")),
                        ("storage encryption", _flag("storage_encrypted"))],
    "aws_dynamodb_table": [("deletion protection", _flag("deletion_protection_enabled")),
                           ("encryption", _nested("server_side_encryption", "enabled")),
                           ("point-in-time recovery", _nested("point_in_time_recovery", "enabled"))],
    "aws_kms_key": [("key enabled", _flag("is_enabled")), ("key rotation", _flag("enable_key_rotation"))],
    "aws_efs_file_system": [("encryption", _flag("encrypted"))],
    "aws_ebs_volume": [("encryption", _flag("encrypted"))],
    "google_storage_bucket": [("versioning", _nested("versioning", "enabled")),
                              ("uniform bucket-level access", _flag("uniform_bucket_level_access")),
                              ("public access prevention", _public_access_prevention),
                              ("deletion protection (force_destroy off)", _flag("force_destroy", inverted=True))],
    "google_sql_database_instance": [("deletion protection", _flag("deletion_protection"))],
    "google_container_cluster": [("deletion protection", _flag("deletion_protection"))],
    "mlstrata_artifact_bucket": [("versioning", _flag("versioning")),
                                 ("deletion protection (force_destroy = false)",
                                  _flag("force_destroy", inverted=True))],
}
# Resources that only carry a bucket's setting: removing one turns the setting off.
SETTING_RESOURCES = frozenset({"aws_s3_bucket_versioning", "aws_s3_bucket_server_side_encryption_configuration",
                               "aws_s3_bucket_public_access_block"})
# Inline bucket settings the provider reports as computed defaults: not meaningful on their own (--all).
_COMPUTED_DEFAULTS = frozenset({("aws_s3_bucket", "versioning"), ("aws_s3_bucket", "encryption")})


# What the name, IAM and protection checks read of a change's values: one set, so that each object of a change
# is decoded once for all of them (`ResourceChange.peek` keeps what it decoded for the same keys)
VALUE_KEYS = ValueKeys(*_NAME_KEYS, *IAM_READS, "bucket",
                       *(key for settings in SETTINGS.values() for _, get in settings for key in READS[get]))


def check_protection(rc: ResourceChange, facts: PlanFacts) -> Iterator[Hit]:
    settings = SETTINGS.get(rc.type)
    if settings is None:
        return
    before = rc.peek("before", VALUE_KEYS)
    if not isinstance(before, dict):
        return
    if rc.action is Action.DELETE:
        bucket = before.get("bucket")
        if rc.type not in SETTING_RESOURCES or not isinstance(bucket, str) or bucket in facts.deleted_buckets:
            return
        off = [label for label, get in settings if get(before) is True]
        if off:
            yield Hit(PROTECTION_OFF, f"{rc.type} for `{bucket}` is removed while the bucket stays: "
                      f"it loses {', '.join(off)}")
        return
    if not rc.action.is_change:
        return
    after = rc.peek("after", VALUE_KEYS)
    if not isinstance(after, dict):
        return
    turned = [label for label, get in settings if get(before) is True and get(after) is False]
    if turned:
        yield Hit(PROTECTION_OFF, f"{rc.type} `{object_name(rc)}`: loses {', '.join(turned)}",
                  f"{rc.action.value}: protected before, not after")


# -- --all: what an unchanged resource already is ------------------------------------------------------

def check_present(rc: ResourceChange, facts: PlanFacts) -> Iterator[Hit]:
    if rc.action is not Action.NO_OP or not (rc.type in SETTINGS or iam_watched(rc.type)):
        return
    after = rc.after
    if not isinstance(after, dict):
        return
    found, labels = _iam_widening(rc, {}, after, True)
    if found.wildcards:
        yield Hit(PRESENT_RISK, f"{rc.type} `{object_name(rc)}` grants wildcards ({', '.join(labels)}): "
                  f"{', '.join(sorted(found.wildcards))}")
    off = [label for label, get in SETTINGS.get(rc.type, ())
           if (rc.type, label) not in _COMPUTED_DEFAULTS and get(after) is False]
    if off:
        yield Hit(PRESENT_RISK, f"{rc.type} `{object_name(rc)}`: without {', '.join(off)}")


# -- drift ------------------------------------------------------------------------------------------

def check_drift(rc: ResourceChange) -> Iterator[Hit]:
    if rc.action is Action.DELETE or not isinstance(rc.after, dict):
        yield Hit(DRIFT, f"{rc.type} `{object_name(rc)}` was deleted outside Terraform")
        return
    before = _values(rc.before)
    changed = sorted(k for k in set(before) | set(rc.after) if before.get(k) != rc.after.get(k))
    if changed:
        more = f" (+{len(changed) - 8} more)" if len(changed) > 8 else ""
        yield Hit(DRIFT, f"{rc.type} `{object_name(rc)}` changed outside Terraform: "
                  f"{', '.join(changed[:8])}{more}")


# -- GKE ---------------------------------------------------------------------------------------------

def _driver_versions(values: Any) -> list[str]:
    node = _first(_values(values), "node_config") or {}
    out = []
    for acc in _items(node.get("guest_accelerator")):
        if isinstance(acc, dict):
            for install in _items(acc.get("gpu_driver_installation_config")):
                if isinstance(install, dict) and install.get("gpu_driver_version"):
                    out.append(str(install["gpu_driver_version"]))
    return out


def check_gke_driver(rc: ResourceChange, facts: PlanFacts) -> Iterator[Hit]:
    """A changed gpu_driver_version replaces the whole node pool, not the driver in place."""
    if rc.type != "google_container_node_pool" or not rc.action.is_replace:
        return
    old, new = _driver_versions(rc.before), _driver_versions(rc.after)
    if old != new:
        yield Hit(GPU_CAPACITY, f"gpu_driver_version {'/'.join(old) or 'unset'} -> {'/'.join(new) or 'unset'} "
                  f"replaces node pool `{object_name(rc)}`: every node is drained and recreated",
                  "The provider forces replacement on a driver change "
                  "(https://github.com/hashicorp/terraform-provider-google/issues/23248); schedule it, or change "
                  "the driver with gcloud and keep the configuration in step.")


# -- serving endpoints ----------------------------------------------------------------------------

ENDPOINT_TYPES = ("aws_sagemaker_endpoint", "google_vertex_ai_endpoint")
KSERVE_CHARTS = {"kserve-crd": "every InferenceService in the cluster is deleted with the CRDs",
                 "kserve-resources": "no InferenceService is reconciled or admitted until it is back",
                 "kserve": "no InferenceService is reconciled or admitted until it is back"}


def _serving_release(rc: ResourceChange) -> str | None:
    """What losing this Helm release does to serving, or None when it is not a serving release."""
    if rc.type != "helm_release":
        return None
    values = rc.before if isinstance(rc.before, dict) else {}
    chart = str(values.get("chart", "")).rsplit("/", 1)[-1]
    if chart in KSERVE_CHARTS:
        return KSERVE_CHARTS[chart]
    if str(values.get("name", "")).startswith("serving-class-") or chart.endswith("serving-class"):
        return "its namespace's quota, service account and placement go, and the endpoints in it with them"
    return None


def serving_change(rc: ResourceChange) -> bool:
    """A serving endpoint or a serving Helm release (what MLR008 reports)."""
    return rc.type in ENDPOINT_TYPES or _serving_release(rc) is not None


def check_endpoint(rc: ResourceChange, facts: PlanFacts) -> Iterator[Hit]:
    """A serving endpoint, serving class or KServe release destroyed or replaced (MLR008)."""
    if not rc.action.is_destructive:
        return
    if rc.type in ENDPOINT_TYPES:
        yield Hit(ENDPOINT_REPLACED, f"serving endpoint `{object_name(rc)}` is {_verb(rc.action)}: it answers no "
                  "request until the new one is in service, which starts at its initial instance count", _why(rc))
        return
    loss = _serving_release(rc)
    if loss is not None:
        yield Hit(ENDPOINT_REPLACED, f"serving release `{object_name(rc)}` is {_verb(rc.action)}: {loss}", _why(rc))


Check = Callable[[ResourceChange, PlanFacts], Iterator[Hit]]
CHANGE_CHECKS: tuple[Check, ...] = (check_destroy, check_iam, check_protection, check_gke_driver, check_endpoint)


def _can_hit(check: Check, rc_type: str, action: Action) -> bool:
    """False when `check` returns nothing for every change of this type and action: its own first test, asked
    once per (type, action) instead of once per change (see `checks_for`)."""
    if check is check_destroy or check is check_endpoint:
        return action.is_destructive
    if check is check_iam:
        return iam_watched(rc_type) and action not in (Action.DELETE, Action.FORGET, Action.NO_OP, Action.READ)
    if check is check_protection:
        return rc_type in SETTINGS and action.is_change
    if check is check_gke_driver:
        return rc_type == "google_container_node_pool" and action.is_replace
    return True


_CHECKS_FOR: dict[tuple[str, str], tuple[Check, ...]] = {}


def checks_for(rc_type: str, action: Action) -> tuple[Check, ...]:
    """The checks of CHANGE_CHECKS, in order, that can find something on a change of this type and action.

    A large plan is mostly changes that no check reports on (the 20k-change plan of
    benchmarks/review_large_plan.py: 12,000 changes, 5 checks each, of which 1.6 on average can hit): calling
    every check made and ran 60,000 generators where 19,335 can find something. Kept by the action's text:
    an Enum member hashes in Python, a str in C."""
    key = (rc_type, action.text)
    found = _CHECKS_FOR.get(key)
    if found is None:
        if len(_CHECKS_FOR) >= 4096:  # a plan of many made-up types: bounded, like the caches beside it
            _CHECKS_FOR.clear()
        found = _CHECKS_FOR[key] = tuple(check for check in CHANGE_CHECKS if _can_hit(check, rc_type, action))
    return found
