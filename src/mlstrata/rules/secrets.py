"""Secrets: literal credentials in .tf/.tfvars, and secret outputs not marked sensitive (MLS018-MLS019).

The rules judge values, not names alone. A literal is reported when its name says it is a secret
(its last word is password, token, api_key, private_key, ... as a whole word: `tokenizer` is not) and
its value looks like one: long enough, one word, not empty, not a placeholder (`DUMMY_TOKEN_REPLACE_ME`),
not a reference (an ARN, a path, `${...}`, `{{resolve:...}}`), and, under names that commonly hold the
*name* of a secret object (`k8s_hf_secret = "hf-token"`), not an identifier. A default of a variable
marked `sensitive = true` is only reported when it has the shape of a well-known credential: the author
already treats the value as secret and such defaults are placeholders. Values shaped like well-known
credentials (AWS access key ids, PEM private keys, GitHub/Slack/Hugging Face tokens) are reported under
any name. Values are never printed.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from functools import cache

from mlstrata.diagnostics import Diagnostic, Severity, Where
from mlstrata.hcl import Attribute, Body, HclFile, Value
from mlstrata.rules.base import ModuleRule, RuleInfo
from mlstrata.rules.context import ModuleContext

# A name is split into words (snake, kebab, camel case); its last word(s) say what it holds.
SECRET_WORDS = frozenset({"password", "passwd", "passphrase", "pwd", "secret", "secrets", "token", "apikey",
                          "credential", "credentials", "kubeconfig", "connstr"})
SECRET_PAIRS = frozenset({("api", "key"), ("private", "key"), ("access", "key"), ("secret", "key"),
                          ("auth", "key"), ("signing", "key"), ("master", "key"), ("conn", "str"),
                          ("connection", "string"), ("kube", "config"), ("client", "secret")})
# Nouns that usually hold the *name* of a secret object rather than its value.
NAMING_WORDS = frozenset({"secret", "secrets", "credential", "credentials", "token"})
# A last word that says the value names, locates or describes a secret rather than holding it.
LOCATOR_WORDS = frozenset({
    "arn", "arns", "id", "ids", "name", "names", "path", "paths", "file", "files", "dir", "length", "version",
    "versions", "type", "types", "prefix", "policy", "policies", "enabled", "enable", "rotation", "days", "ttl",
    "count", "mode", "url", "uri", "urls", "location", "ref", "header", "field", "parameter", "param", "stage",
    "namespace", "key_id", "endpoint", "command", "cmd", "description", "format", "expiry", "expiration",
    "hash", "sha", "region", "provider", "source", "store", "backend", "role", "roles", "user", "username",
    "group", "groups", "email", "bucket", "label", "labels", "tags", "annotations", "duration", "seconds",
    "hours", "minutes", "bits", "size", "secret_id", "version_stage", "kms_key", "kms_key_arn",
})
# Tokens that are not credentials: optimistic-concurrency and paging tokens.
NOT_SECRET_PAIRS = frozenset({("version", "token"), ("next", "token"), ("page", "token"),
                              ("continuation", "token"), ("client", "token"), ("idempotency", "token"),
                              ("pagination", "token"), ("request", "token"), ("public", "key")})
PLACEHOLDER = re.compile(
    r"^(changeme|none|null|nil|todo|tbd|test|default|password|secret|token|example|dummy|placeholder|"
    r"x+|\*+|<.*>|\[.*\])$"
    r"|(replace|change|fill)[-_ ]?(me|this|it)|dummy|placeholder|example|your[-_ ]|fixme|x{4,}|\*{3,}",
    re.IGNORECASE,
)
REFERENCE = re.compile(
    r"^(arn:|https?://|s3://|gs://|/|\.{0,2}/|alias/|projects/|secretsmanager:|ssm:|vault:|env:|\$|"
    r"\{\{resolve:)"
)
# kebab/snake/dotted/slashed words (a resource name, a model id): the name of a thing, not a secret.
IDENTIFIER = re.compile(r"^[A-Za-z0-9]+([-_./:][A-Za-z0-9]+)+$")
WORD = re.compile(r"^([a-z]+[0-9]*|[A-Z]+[0-9]*|[A-Z][a-z]+[0-9]*|[0-9]+|[A-Za-z0-9]{1,3})$")
TOKEN_SHAPES = (
    ("AWS access key id", re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("private key", re.compile(r"-----BEGIN (RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----")),
    ("GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b")),
    ("Slack token", re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}\b")),
    ("Stripe live key", re.compile(r"\bsk_live_[A-Za-z0-9]{20,}\b")),
    ("Hugging Face token", re.compile(r"\bhf_[A-Za-z0-9]{30,}\b")),
)
# What every shape above holds literally: most literals hold none of these, and one search says so (then the shapes
# are tried in order). A search for these plain prefixes skips text ~6x faster than one for the shapes themselves
# (whose leading \b keeps the regex engine from skipping ahead): 0.09 -> 0.015 s CPU over the 16k literal strings
# (0.73 MB) of the real-world corpus, about half of MLS018's time.
SHAPE_PREFIXES = re.compile(r"AKIA|ASIA|-----BEGIN |gh[pousr]_|xox[abprs]-|sk_live_|hf_")
SENSITIVE_ATTR = re.compile(
    r"\.(password|master_password|secret|token|private_key(_pem|_openssh)?|"
    r"secret_access_key|secret_string|kube_config(_raw)?|"
    r"(primary_|secondary_)?(access_key|connection_string)|client_secret|result)\b"
)
# A traversal in an expression (`aws_x.y.attr`, `v.password_file`, `x.metadata[0].name`) and its last name.
TRAVERSAL = re.compile(r"\b[A-Za-z_][\w-]*(?:\[[^\]]*\])*(?:\.[A-Za-z_][\w-]*(?:\[[^\]]*\])*)+")
MIN_ENTROPY = 2.5
MIN_LENGTH = 6


def entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    if not text:
        return 0.0
    counts = Counter(text)
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def name_words(name: str) -> list[str]:
    """`HF_TOKEN`, `hfToken`, `k8s-hf-secret` -> lower-case words."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


@cache  # asked for every literal's key, and names repeat (name, tags, description)
def secret_noun(name: str) -> str | None:
    """The word(s) by which `name` says it holds a secret (`password`, `api_key`), or None."""
    words = name_words(name)
    if not words:
        return None
    last = words[-1]
    pair = (words[-2], last) if len(words) > 1 else None
    if last in LOCATOR_WORDS or "_".join(words[-2:]) in LOCATOR_WORDS or pair in NOT_SECRET_PAIRS:
        return None
    if pair in SECRET_PAIRS:
        return "_".join(pair)
    if last in SECRET_WORDS:
        return last
    if words[0] in ("password", "secret", "token") and len(words) > 1 and words[1] not in LOCATOR_WORDS:
        return words[0]  # token_value, password_plain
    return None


def secret_name(name: str) -> bool:
    """True when the name says the value is a secret (not the name, ARN, path or length of one)."""
    return secret_noun(name) is not None


def looks_secret(value: str, *, may_name_a_secret: bool = False) -> bool:
    """A value that could be a credential: long enough, one word, not a placeholder or reference.

    With `may_name_a_secret` (the name is `..._secret`, `..._token`), identifiers such as `hf-token`
    or `prod/mlflow/db` are taken as the secret's name.
    """
    if len(value) < MIN_LENGTH or any(c.isspace() for c in value) or PLACEHOLDER.search(value):
        return False
    if REFERENCE.match(value) or "${" in value:
        return False
    if may_name_a_secret and IDENTIFIER.match(value):
        parts = re.split(r"[-_./:]", value)
        if all(WORD.match(p) for p in parts):
            return False
    return entropy(value) >= MIN_ENTROPY or len(value) >= 12


def _shape(value: str) -> str | None:
    if SHAPE_PREFIXES.search(value) is None:
        return None
    for label, pattern in TOKEN_SHAPES:
        if pattern.search(value):
            return label
    return None


def _walk(body: Body, context: str, sensitive: bool) -> Iterator[tuple[str, Attribute, bool]]:
    """Every attribute of a body and its nested blocks, with whether it is a sensitive variable's default.

    A variable's `default` takes the variable's name.
    """
    for name, attr in body.attributes.items():
        if name == "default" and context:
            yield context, attr, sensitive
        else:
            yield name, attr, False
    for block in body.blocks:
        if block.type == "variable" and block.labels:
            flag = block.body.attributes.get("sensitive")
            yield from _walk(block.body, block.labels[0], flag is not None and flag.partial_value is True)
        else:
            yield from _walk(block.body, "", False)


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
    for name, attr, sensitive in _walk(parsed.body, "", False):
        if attr.kind not in ("literal", "collection"):
            continue
        for key, text in _strings_in(attr.partial_value, name):
            shape = _shape(text)
            if shape is not None:
                yield Where(parsed.filename, attr.line, attr.column), key, f"a {shape}"
                continue
            noun = None if sensitive else secret_noun(key)
            if noun is not None and looks_secret(text, may_name_a_secret=noun in NAMING_WORDS):
                yield Where(parsed.filename, attr.line, attr.column), key, f"a {len(text)}-character literal"


class LiteralSecret(ModuleRule):
    info = RuleInfo(
        "MLS018",
        "literal-secret",
        "secrets",
        Severity.ERROR,
        "No literal credentials in .tf or .tfvars files",
        "A password, token or key written into Terraform source ends up in git history, CI logs and state.\n"
        "Reported: values shaped like well-known credentials (AKIA... access key ids, PEM private keys,\n"
        "GitHub/Slack/Hugging Face tokens) under any name; and values that look like a credential (at\n"
        "least 6 characters, one word, not a placeholder such as DUMMY_TOKEN_REPLACE_ME, not an ARN, URL,\n"
        "path or reference) under a name whose last word says secret (password, token, api_key,\n"
        "private_key, ...). Not reported: the name of a secret object (`k8s_hf_secret = \"hf-token\"`),\n"
        "names that only contain a secret word (`tokenizer`), and defaults of variables marked\n"
        "`sensitive = true` unless they have a credential's shape. The value itself is never printed.",
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
        "An output that reads a secret attribute (`.password`, `.secret_string`, `.private_key_pem`,\n"
        "`random_password.x.result`, ...), or is named like a secret (password, token, kubeconfig, ...)\n"
        "and does not visibly hold something else, is printed by every `terraform apply` and `output`\n"
        "unless it says `sensitive = true`. Not reported: outputs that name or locate a secret (`_arn`,\n"
        "`_id`, `_name`, `_files`), outputs whose value only reads names, ids, ARNs or namespaces\n"
        "(`kubernetes_secret.x.metadata[0].name`), commands and sentences (`gcloud ... get-credentials`),\n"
        "and tokens that are not credentials (S3 Tables `version_token`, paging tokens).",
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
            expr = value.expr_text if value is not None else ""
            by_value = _reads_secret(expr)
            by_name = not by_value and secret_name(out.name) and not _holds_something_else(expr)
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


def _holds_something_else(expr: str) -> bool:
    """True when an output's value visibly is not a secret: a command or sentence, or only names and ids."""
    text = expr.strip()
    literal = re.sub(r"\$\{[^}]*\}", "", text)
    if text.startswith('"') and re.search(r"\s", literal) and re.search(r"[A-Za-z]{2,}", literal):
        return True  # a command or a sentence: "gcloud container clusters get-credentials ${...} ..."
    if text.startswith(("var.", "local.", "module.")) and "." not in text.split(".", 1)[1]:
        return False  # an opaque variable, local or module output: the name is all there is
    leaves = [re.sub(r"\[[^\]]*\]", "", t).rsplit(".", 1)[-1] for t in TRAVERSAL.findall(text)]
    leaves = [leaf for leaf in leaves if leaf not in ("var", "local", "module", "data")]
    return bool(leaves) and all(_locates(leaf) for leaf in leaves)


def _locates(leaf: str) -> bool:
    words = name_words(leaf)
    return bool(words) and (words[-1] in LOCATOR_WORDS or "_".join(words[-2:]) in LOCATOR_WORDS
                            or (len(words) > 1 and (words[-2], words[-1]) in NOT_SECRET_PAIRS))
