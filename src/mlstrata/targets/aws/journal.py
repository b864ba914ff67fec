"""The journal of an AWS unit: one S3 object per entry beside the unit's state, in the state bucket.

Layout: `<state key>.journal/<at>-<run>-<phase>.json`, e.g.
`acme-ml/prod/base.tfstate.journal/20261201T021530.123Z-<run id>-started.json`: the unit is in the prefix,
keys sort by time, and no entry is ever rewritten: each is a new object, written with `If-None-Match: *`
(S3 conditional writes), so an existing key is never overwritten and there is no read-modify-write.

Who writes: mlstrata itself, with the same identity Terraform uses for that unit's state: the caller's
credentials (the CI role from OIDC, or a person's) assume the environment's deploy role, exactly as the
rendered `backend "s3"` block does (`assume_role.role_arn`), in whatever account the role is. So the journal
needs nothing the state does not: the deploy role's `s3:PutObject` on `<prefix>/<env>/*` (history also
`s3:GetObject` and `s3:ListBucket`) and `kms:GenerateDataKey`/`kms:Decrypt` on the state key, which the
state bucket's policy grants (modules/aws/state_backend); the CI role needs only `sts:AssumeRole` on the
deploy role, which Terraform needs anyway. The same bucket policy denies every principal deleting a journal
object and writing one without `If-None-Match`, so the journal is append-only on the AWS side too.

Endpoints and credentials come from botocore's standard chain (environment, profile, web identity), so
`AWS_ENDPOINT_URL_S3`/`AWS_ENDPOINT_URL_STS` point it, like Terraform, at an S3-compatible server.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from mlstrata.diagnostics import Diagnostic, error, warning
from mlstrata.governance.journal import JournalStore
from mlstrata.spec.models import Platform
from mlstrata.targets.aws.state import deploy_role, state_key

SESSION_NAME = "mlstrata-journal"
SUFFIX = ".journal/"
_COMPACT = re.compile(r"[-:]")


def entry_key(prefix: str, entry: Mapping[str, Any]) -> str:
    """`<prefix><at, compact>-<run>-<phase>.json`: sorts by time; unique per run and phase."""
    at = _COMPACT.sub("", str(entry["at"]))
    return f"{prefix}{at}-{entry['run']}-{entry['phase']}.json"


@dataclass
class S3Journal:
    """A unit's journal under its state key. `role_arn`: the deploy role to assume (None: write with the
    caller's own credentials); `kms_key_id`: the state key's full ARN (`state.kms_key_arn`), as the backend's
    `kms_key_id`; None: the bucket's default encryption applies."""

    bucket: str
    prefix: str
    region: str
    role_arn: str | None = None
    kms_key_id: str | None = None
    _client: Any = field(default=None, repr=False, compare=False)
    _expires: datetime | None = field(default=None, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def location(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def client(self) -> Any:
        """An S3 client acting as the deploy role; the role is assumed again when its credentials are about to
        expire (an apply can outlast them: the `finished` entry is written when it ends)."""
        with self._lock:
            if self._client is None or (self._expires is not None and
                                        self._expires - datetime.now(UTC) < timedelta(minutes=5)):
                import botocore.session

                session = botocore.session.get_session()
                credentials: dict[str, str] = {}
                if self.role_arn:
                    sts = session.create_client("sts", region_name=self.region)
                    found = sts.assume_role(RoleArn=self.role_arn, RoleSessionName=SESSION_NAME)["Credentials"]
                    credentials = {"aws_access_key_id": found["AccessKeyId"],
                                   "aws_secret_access_key": found["SecretAccessKey"],
                                   "aws_session_token": found["SessionToken"]}
                    expires = found.get("Expiration")
                    self._expires = expires if isinstance(expires, datetime) else None
                self._client = session.create_client("s3", region_name=self.region, **credentials)
            return self._client

    def append(self, entry: Mapping[str, Any]) -> None:
        body = json.dumps(entry, sort_keys=True, separators=(",", ":")).encode()
        # No key: no SSE header, so the bucket default (SSE-KMS with the state key, by full ARN) applies, as
        # for the backend's own writes. An alias would be resolved in the deploy role's account, not the bucket's.
        # https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html
        extra: dict[str, str] = (
            {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": self.kms_key_id} if self.kms_key_id else {})
        # If-None-Match: the write fails (412) rather than replace an entry; botocore's errors propagate
        self.client().put_object(Bucket=self.bucket, Key=entry_key(self.prefix, entry), Body=body,
                                 ContentType="application/json", IfNoneMatch="*", **extra)

    def read(self) -> tuple[list[dict[str, Any]], list[Diagnostic]]:
        try:
            client = self.client()
            keys: list[str] = []
            for page in client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix):
                keys += [str(o["Key"]) for o in page.get("Contents", [])]
            out, problems = [], []
            for key in sorted(keys):
                raw = client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
                try:
                    entry = json.loads(raw)
                except ValueError:
                    entry = None
                if isinstance(entry, dict):
                    out.append(entry)
                else:
                    problems.append(warning("a journal object is not an entry (skipped)", path=key,
                                            code="journal.torn_line", detail=self.location))
        except Exception as exc:  # botocore: no credentials, access denied, no such bucket, endpoint down
            return [], [error(f"cannot read the journal in {self.location}: {type(exc).__name__}: {exc}",
                              code="journal.read", hint=READ_HINT.format(role=self.role_arn or "your identity"))]
        out.sort(key=lambda e: str(e.get("at", "")))
        return out, problems


READ_HINT = ("Run with credentials that may assume {role} (it reads the state too); the role needs s3:ListBucket "
             "and s3:GetObject on the state prefix and kms:Decrypt on the state key (modules/state_backend).")


def journal(platform: Platform, repo: Path, env: str, layer: str,
            environ: Mapping[str, str]) -> tuple[JournalStore | None, list[Diagnostic]]:
    """The S3 journal of one unit, written as the environment's deploy role, beside its state."""
    state = platform.state
    if state.bucket is None:  # the spec checks demand it; said again rather than assumed
        return None, [error("the s3 state backend needs `state.bucket`", code="journal.s3")]
    spec = platform.environments[env]
    return S3Journal(bucket=state.bucket, prefix=state_key(platform, env, layer) + SUFFIX,
                     region=state.region or platform.region, role_arn=deploy_role(platform, spec),
                     kms_key_id=platform.state.kms_key_arn), []
