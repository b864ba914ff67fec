"""Secrets: literal credentials in .tf/.tfvars, and secret outputs not marked sensitive (MLS018-MLS019).

A literal is reported when its name says it is a secret (password, token, api_key, ...) and the value
looks like one (long enough, no spaces, not a placeholder or a reference such as an ARN or a path), or
when the value itself has the shape of a well-known credential (AWS access key id, private key, GitHub
or Slack token) or is a long, high-entropy string under a secret-like name. Values are never printed.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator

from mlstrata.diagnostics import Diagnostic, Severity, Where
from mlstrata.hcl import Attribute, Body, HclFile, Value
from mlstrata.rules.base import ModuleRule, RuleInfo
from mlstrata.rules.context import ModuleContext

SECRET_NAME = re.compile(
    r"(pass(word|wd|phrase)?|pwd|secret|token|api_?key|private_?key|access_?key|"
    r"client_?secret|auth|credential|conn(ection)?_?str(ing)?)$|^(password|secret|token)",
    re.IGNORECASE,
)
NOT_SECRET_NAME = re.compile(
    r"(_arn|_id|_ids|_name|_names|_path|_file|_length|_version|_type|_prefix|_policy|"
    r"_enabled|_rotation|_days|_ttl|_count|_mode|_url|_uri|_kms_key|_location|_ref|"
    r"_header|_field|_key_id|_secret_id|_parameter|_param|_version_stage)$",
    re.IGNORECASE,
)
PLACEHOLDER = re.compile(
    r"^(changeme|change-me|replace[-_ ]?me|todo|tbd|xxx+|\*+|<.*>|\$\{.*\}|none|null|"
    r"example|dummy|placeholder|password|secret|token|test|default)$",
    re.IGNORECASE,
)
REFERENCE = re.compile(
    r"^(arn:|https?://|s3://|gs://|/|\.{0,2}/|alias/|projects/|secretsmanager:|ssm:|vault:|"
    r"\{\{resolve:)"
)
TOKEN_SHAPES = (
    ("AWS access key id", re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("private key", re.compile(r"-----BEGIN (RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----")),
    ("GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b")),
    ("Slack token", re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}\b")),
    ("Stripe live key", re.compile(r"\bsk_live_[A-Za-z0-9]{20,}\b")),
)
SENSITIVE_OUTPUT = re.compile(
    r"password|secret|token|private_key|access_key|credential|kubeconfig|kube_config|"
    r"connection_string|conn_str|api_key",
    re.IGNORECASE,
)
SENSITIVE_ATTR = re.compile(
    r"\.(password|master_password|secret|token|private_key(_pem|_openssh)?|"
    r"secret_access_key|access_key|secret_string|kube_config(_raw)?|"
    r"primary_access_key|secondary_access_key|connection_string|client_secret|result)\b"
)
MIN_ENTROPY = 2.5
MIN_LENGTH = 6


def entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    if not text:
        return 0.0
    counts = Counter(text)
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def secret_name(name: str) -> bool:
    return bool(SECRET_NAME.search(name)) and not NOT_SECRET_NAME.search(name)


def looks_secret(value: str) -> bool:
    """A value that could be a credential: long enough, one word, not a placeholder or reference."""
    if len(value) < MIN_LENGTH or any(c.isspace() for c in value) or PLACEHOLDER.match(value):
        return False
    if REFERENCE.match(value) or "${" in value:
        return False
    return entropy(value) >= MIN_ENTROPY or len(value) >= 12


def _shape(value: str) -> str | None:
    for label, pattern in TOKEN_SHAPES:
        if pattern.search(value):
            return label
    return None


def _walk(body: Body, context: str) -> Iterator[tuple[str, Attribute]]:
    """Every attribute of a body and its nested blocks; a variable's `default` takes the variable's name."""
    for name, attr in body.attributes.items():
        yield (context if name == "default" and context else name), attr
    for block in body.blocks:
        inner = block.labels[0] if block.type == "variable" and block.labels else ""
        yield from _walk(block.body, inner)


def _strings_in(value: Value, key: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield key, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings_in(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _strings_in(v, key)


def literal_secrets(parsed: HclFile) -> Iterator[tuple[Where, str, str]]:
    """(where, name, why) for each literal that looks like a credential."""
    for name, attr in _walk(parsed.body, ""):
        if attr.kind not in ("literal", "collection"):
            continue
        for key, text in _strings_in(attr.partial_value, name):
            shape = _shape(text)
            if shape is not None:
                yield Where(parsed.filename, attr.line, attr.column), key, f"a {shape}"
            elif secret_name(key) and looks_secret(text):
                yield Where(parsed.filename, attr.line, attr.column), key, f"a {len(text)}-character literal"


class LiteralSecret(ModuleRule):
    info = RuleInfo(
        "MLS018",
        "literal-secret",
        "secrets",
        Severity.ERROR,
        "No literal credentials in .tf or .tfvars files",
        "A password, token or key written into Terraform source ends up in git history, CI logs and state.\n"
        "Names that say secret (password, token, api_key, private_key, ...) with a value that looks\n"
        "like one "
        "(at least 6 characters, no spaces, not a placeholder, ARN, URL or path), and values shaped like\n"
        "well-known credentials (AKIA... access key ids, PEM private keys, GitHub/Slack tokens) are\n"
        "reported. "
        "The value itself is never printed.",
        "Read it from a secret store (aws_secretsmanager_secret_version, a sensitive variable set by CI, "
        "manage_master_user_password), then rotate the exposed credential.",
    )

    def check(self, ctx: ModuleContext) -> Iterator[Diagnostic]:
        if ctx.call is not None:
            return
        for parsed in ctx.module.files + ctx.module.tfvars + ctx.module.other_tfvars:
            for where, name, why in literal_secrets(parsed):
                yield self.info.finding(where, f"`{name}` holds {why} (value not shown)", path=name)


class SensitiveOutput(ModuleRule):
    info = RuleInfo(
        "MLS019",
        "output-not-sensitive",
        "secrets",
        Severity.ERROR,
        "Secret outputs are marked sensitive",
        "An output named like a secret (password, token, private_key, kubeconfig, ...) or reading a secret\n"
        "attribute (`.password`, `.secret_string`, `.private_key_pem`, `random_password.x.result`, ...)\n"
        "is printed by every `terraform apply` and `output` unless it says `sensitive = true`. Outputs that\n"
        "only name or locate a secret (`_arn`, `_id`, `_name`) are fine.",
        "Add `sensitive = true` to the output (and read it with `terraform output -json` where needed).",
    )

    def check(self, ctx: ModuleContext) -> Iterator[Diagnostic]:
        if ctx.call is not None:
            return
        for out in ctx.module.outputs:
            sensitive = out.attr("sensitive")
            if sensitive is not None and sensitive.value is not False:
                continue
            value = out.attr("value")
            by_name = bool(SENSITIVE_OUTPUT.search(out.name)) and not NOT_SECRET_NAME.search(out.name)
            by_value = value is not None and _reads_secret(value.expr_text)
            if by_name or by_value:
                why = "its name" if by_name else "its value"
                yield self.info.finding(
                    out.where,
                    f"output `{out.name}` looks secret ({why}) but is not sensitive",
                    path=out.address,
                )


def _reads_secret(expr: str) -> bool:
    for match in SENSITIVE_ATTR.finditer(expr):
        if match.group(1) == "result" and "random_password." not in expr[: match.start()]:
            continue
        return True
    return False
