"""The journal of an AWS unit, against a real S3-compatible HTTP server (moto's server mode, started on a free
loopback port and stopped by its pid): one object per entry under the unit's state key, written as the
environment's deploy role (STS AssumeRole), SSE-KMS with the state key, never overwritten (`If-None-Match`),
read back by `mlstrata history`. What moto cannot show (AWS evaluating the rendered bucket policy) is
checked on the policy's text in test_state_policy_makes_the_journal_append_only_for_every_principal."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.cli import mlstrata
from support.ports import free_port

from mlstrata.engine import Unit
from mlstrata.engine.results import Operation, Status, UnitResult
from mlstrata.governance.gate import Governance
from mlstrata.plan.model import ChangeCounts
from mlstrata.spec.load import load_spec
from mlstrata.targets.aws.journal import S3Journal
from mlstrata.targets.registry import TARGETS

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "examples" / "aws" / "platform.yaml"
BUCKET = "acme-ml-tfstate"
DEPLOY_PROD = "arn:aws:iam::333333333333:role/acme-ml-prod-deploy"  # prod's deploy_role in the spec
# The state key's full ARN: the bucket's default encryption, as modules/aws/state_backend sets it
KEY_ARN = "arn:aws:kms:us-east-1:444444444444:key/0b0f8f3a-2c6e-4f3d-9a1b-1f2e3d4c5b6a"


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


@pytest.fixture()
def s3_endpoint(tmp_path: Path) -> Iterator[str]:
    """moto's server on a free loopback port (a real HTTP server speaking S3 and STS), fresh per test."""
    log = tmp_path / "moto-server.log"
    for _attempt in range(3):  # the port may be taken between finding it and binding it
        port = free_port()
        with log.open("w") as out:
            proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                    stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        while proc.poll() is None:
            try:
                _get(f"{url}/moto-api/data.json")
                break
            except OSError:
                time.sleep(0.2)
        if proc.poll() is None:
            break
    else:
        pytest.fail(f"moto's server did not start: {log.read_text()}")
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait()


@pytest.fixture()
def aws_env(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The caller's credentials (a CI role's, say) and the standard SDK endpoint variable, as Terraform uses it."""
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    env = {"AWS_ENDPOINT_URL": s3_endpoint, "AWS_ACCESS_KEY_ID": "AKIACALLER0000000000",
           "AWS_SECRET_ACCESS_KEY": "caller-secret", "AWS_EC2_METADATA_DISABLED": "true",
           "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def _bucket(name: str) -> Any:
    import botocore.session

    s3 = botocore.session.get_session().create_client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY_ARN}}]})
    return s3


def _result(unit: Unit, ok: bool = True) -> UnitResult:
    return UnitResult(unit, Operation.APPLY, Status.OK if ok else Status.FAILED, counts=ChangeCounts(add=2),
                      terraform_version="1.15.5")


def test_each_entry_is_one_object_beside_the_state_written_as_the_deploy_role(
        aws_env: dict[str, str], s3_endpoint: str, tmp_path: Path) -> None:
    s3 = _bucket(BUCKET)
    platform = load_spec(SPEC, targets=TARGETS).platform
    store, problems = TARGETS["aws"].journal(platform, tmp_path, "prod", "base", {})
    assert problems == [] and isinstance(store, S3Journal)
    assert store.location == f"s3://{BUCKET}/acme-ml/prod/base.tfstate.journal/"  # beside acme-ml/prod/base.tfstate
    unit = Unit("prod", "base", tmp_path / "live" / "prod" / "base")
    hooks = Governance(spec=load_spec(SPEC, targets=TARGETS), journals=lambda u: (store, []),
                       context={"command": "apply", "operation": "apply", "who": {"ci_actor": "octocat"}})

    # two runs at once (two CI jobs, say): four objects, none lost, none overwritten
    def run(ok: bool) -> None:
        token, found = hooks.started(unit, Operation.APPLY, uuid.uuid4().hex * 2)
        assert found == []
        assert hooks.finished(token, _result(unit, ok)) == []

    threads = [threading.Thread(target=run, args=(ok,)) for ok in (True, False)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"])
    assert len(keys) == 4
    for key in keys:
        assert re.fullmatch(r"acme-ml/prod/base\.tfstate\.journal/\d{8}T\d{6}\.\d{3}Z-[0-9a-f]{32}-"
                            r"(started|finished|failed)\.json", key), key
        head = s3.head_object(Bucket=BUCKET, Key=key)
        # no SSE header sent: the bucket's default, SSE-KMS with the state key by full ARN
        assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms", KEY_ARN)
    entries, problems = store.read()
    assert problems == [] and len(entries) == 4
    assert sorted(e["phase"] for e in entries) == ["failed", "finished", "started", "started"]
    assert all(e["who"] == {"ci_actor": "octocat"} for e in entries if e["phase"] == "started")

    # written as the environment's deploy role: the same identity the rendered backend assumes for the state
    assumed = _get(f"{s3_endpoint}/moto-api/data.json")["sts"]["AssumedRole"]
    assert {(a["role_arn"], a["session_name"]) for a in assumed} == {(DEPLOY_PROD, "mlstrata-journal")}

    # append-only from mlstrata's side: an entry's key exists once; writing it again is refused, not replaced
    first = json.loads(s3.get_object(Bucket=BUCKET, Key=keys[0])["Body"].read())
    import botocore.exceptions

    with pytest.raises(botocore.exceptions.ClientError, match="PreconditionFailed"):
        store.append({**first, "result": "rewritten"})
    assert json.loads(s3.get_object(Bucket=BUCKET, Key=keys[0])["Body"].read()) == first

    # `mlstrata history` reads it back from the bucket: two runs of prod/base, newest first
    shown = mlstrata("history", "--spec", str(SPEC), "--env", "prod", "--layer", "base", "--format", "json",
                     env=dict(os.environ))
    assert shown.returncode == 0, shown.output
    report = json.loads(shown.stdout)
    assert sorted(r["status"] for r in report["runs"]) == ["failed", "ok"]
    assert report["journals"] == {"prod/base": store.location}


def test_an_unreachable_journal_is_a_diagnostic_that_names_the_role_and_the_permissions(
        aws_env: dict[str, str], tmp_path: Path) -> None:
    platform = load_spec(SPEC, targets=TARGETS).platform
    store, _ = TARGETS["aws"].journal(platform, tmp_path, "dev", "platform", {})
    assert store is not None
    entries, problems = store.read()  # the bucket does not exist on this server (yet): NoSuchBucket
    assert entries == [] and [p.code for p in problems] == ["journal.read"]
    assert "NoSuchBucket" in problems[0].summary and "arn:aws:iam::111111111111:role/acme-ml-deploy" in (
        problems[0].hint or "")
    shown = mlstrata("history", "--spec", str(SPEC), "--env", "dev", "--layer", "platform", env=dict(os.environ))
    assert shown.returncode == 2 and "cannot read the journal in s3://acme-ml-tfstate/acme-ml/dev/" in shown.output
    # an unread journal is not an empty one: the unit is not claimed "never applied", nor the journal empty
    assert "never applied" not in shown.output and "no changes recorded yet" not in shown.output, shown.output
    assert "unknown: journal unreadable" in shown.output
    shown = mlstrata("history", "--spec", str(SPEC), "--env", "dev", "--layer", "platform", "--format", "json",
                     env=dict(os.environ))
    assert [c["unreadable"] for c in json.loads(shown.stdout)["current"]] == [True]


def _statements() -> dict[str, dict[str, Any]]:
    """The state bucket policy's statements by sid: effect, actions, resources (as written) and conditions."""
    from mlstrata.hcl import parse_file

    module = REPO / "src" / "mlstrata" / "terraform" / "modules" / "aws" / "state_backend" / "main.tf"
    doc = next(b for b in parse_file(str(module)).body.blocks if b.labels == ["aws_iam_policy_document", "bucket"])
    out = {}
    for outer in doc.body.blocks:
        if outer.type == "dynamic" and outer.labels == ["statement"]:  # one statement per environment
            block = next(b for b in outer.body.blocks if b.type == "content")
        elif outer.type == "statement":
            block = outer
        else:
            continue
        attrs = block.body.attributes
        out[attrs["sid"].expr_text.strip('"')] = {
            "effect": attrs["effect"].value if "effect" in attrs else "Allow",
            "actions": attrs["actions"].value, "resources": attrs["resources"].expr_text,
            "principals": [b.body.attributes["identifiers"].value for b in block.body.blocks if b.type == "principals"],
            "conditions": [(c.body.attributes["test"].value, c.body.attributes["variable"].value,
                            c.body.attributes["values"].value) for c in block.body.blocks if c.type == "condition"]}
    return out


def test_state_policy_makes_the_journal_append_only_for_every_principal() -> None:
    """The writer's key layout and the rendered bucket policy agree: every journal key is covered by the two
    Deny statements (no write without If-None-Match, no delete) that hold for every principal."""
    import fnmatch

    from mlstrata.targets.aws.journal import SUFFIX, entry_key
    from mlstrata.targets.aws.state import state_key

    platform = load_spec(SPEC, targets=TARGETS).platform
    key = entry_key(state_key(platform, "prod", "platform") + SUFFIX,
                    {"at": "2026-12-01T02:15:30.123Z", "run": "ab" * 16, "phase": "started"})
    statements = _statements()
    overwrite, deletion = statements["DenyJournalOverwrite"], statements["DenyJournalDeletion"]
    for statement in (overwrite, deletion):
        assert statement["effect"] == "Deny" and statement["principals"] == [["*"]]
        pattern = statement["resources"].split("}/", 1)[1].rstrip('"]')  # ["${aws_s3_bucket.this.arn}/<pattern>"]
        assert fnmatch.fnmatchcase(key, pattern), (key, pattern)
        assert not fnmatch.fnmatchcase(state_key(platform, "prod", "platform"), pattern)  # the state itself
    assert overwrite["actions"] == ["s3:PutObject"]
    assert overwrite["conditions"] == [("Null", "s3:if-none-match", ["true"])]  # denied when the header is absent
    assert sorted(deletion["actions"]) == ["s3:DeleteObject", "s3:DeleteObjectVersion"]
    assert deletion["conditions"] == []
    # what the deploy role needs for it, granted by the same policy for its own environment's prefix
    uses = next(s for sid, s in statements.items() if sid.endswith("UsesItsState"))
    assert {"s3:PutObject", "s3:GetObject"} <= set(uses["actions"])
    assert fnmatch.fnmatchcase(key, "acme-ml/prod/*")  # inside `<key_prefix>/<env>/*`, the role's own prefix
