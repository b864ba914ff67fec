"""The state key as the AWS backends and the journal name it. The backend assumes the environment's deploy
role, so in a multi-account platform every state write is a cross-account PutObject, and S3 then needs the
KMS key's full ARN: "If you are using encryption with cross-account or AWS service operations, you must use a
fully qualified KMS key ARN ... If you use a KMS key alias instead, then KMS resolves the key within the
requester's account" (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ServerSideEncryptionByDefault.html);
x-amz-server-side-encryption-aws-kms-key-id: "If the KMS key doesn't exist in the same account that's issuing
the command, you must use the full Key ARN" (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html).
The key ARN is random and unknown at render time, so without `state.kms_key_arn` the backends send no SSE
header and the bucket's default encryption (SSE-KMS with the key's full ARN) applies."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support.cli import mlstrata
from support.rendered import STATE_KEY_ARN, aws_spec_with_state_key

from mlstrata.hcl import parse_file
from mlstrata.render.tree import render_tree
from mlstrata.spec.load import load_spec
from mlstrata.targets.aws.journal import S3Journal
from mlstrata.targets.registry import TARGETS

KEY_ARN = STATE_KEY_ARN  # in tests/support: the Terraform backend test uses the same key
ALIAS_ARN = re.compile(r"arn:aws[a-z-]*:kms:[^\"\s]*:alias/")


def _spec(tmp_path: Path, kms_key_arn: str | None) -> Path:
    return aws_spec_with_state_key(tmp_path, kms_key_arn)


def _backends(tmp_path: Path, kms_key_arn: str | None) -> dict[str, dict[str, object]]:
    tree = render_tree(load_spec(_spec(tmp_path, kms_key_arn), targets=TARGETS))
    out: dict[str, dict[str, object]] = {}
    for name, text in tree.files.items():
        if name.startswith("live/") and name.endswith("/backend.tf"):
            path = tmp_path / "backend.tf"
            path.write_text(text)
            module = parse_file(path)
            (backend,) = [b for t in module.body.blocks if t.type == "terraform" for b in t.body.blocks
                          if b.type == "backend"]
            out[name] = {k: a.value for k, a in backend.body.attributes.items()}
    assert out
    return out


def test_no_rendered_backend_or_journal_names_the_state_key_by_alias(tmp_path: Path) -> None:
    platform = load_spec(_spec(tmp_path, None), targets=TARGETS).platform
    for name, attrs in _backends(tmp_path, None).items():
        # no header: the bucket default (SSE-KMS with the key's full ARN) encrypts, not SSE-S3, not an alias
        assert "encrypt" not in attrs and "kms_key_id" not in attrs, name
    for env in platform.environments:
        store, problems = TARGETS["aws"].journal(platform, tmp_path, env, "base", {})
        assert problems == [] and store is not None
        assert isinstance(store, S3Journal) and store.kms_key_id is None
    tree = render_tree(load_spec(_spec(tmp_path, None), targets=TARGETS))
    for name, text in tree.files.items():
        if name.startswith("live/"):
            assert not ALIAS_ARN.search(text), name


def test_state_kms_key_arn_is_what_every_backend_and_the_journal_send(tmp_path: Path) -> None:
    platform = load_spec(_spec(tmp_path, KEY_ARN), targets=TARGETS).platform
    backends = _backends(tmp_path, KEY_ARN)
    assert {(a.get("encrypt"), a.get("kms_key_id")) for a in backends.values()} == {(True, KEY_ARN)}
    store, problems = TARGETS["aws"].journal(platform, tmp_path, "prod", "base", {})
    assert problems == [] and isinstance(store, S3Journal) and store.kms_key_id == KEY_ARN


def test_the_bootstrap_root_outputs_the_key_arn_to_copy_into_the_spec(tmp_path: Path) -> None:
    tree = render_tree(load_spec(_spec(tmp_path, None), targets=TARGETS))
    outputs = tree.files["bootstrap/state/outputs.tf"]
    assert 'output "state_kms_key_arn"' in outputs and "state.kms_key_arn" in outputs
    assert "state_kms_key_arn" in tree.files["README.md"] and "state.kms_key_arn" in tree.files["README.md"]


@pytest.mark.parametrize(("value", "message"), [
    ("arn:aws:kms:us-east-1:444444444444:alias/acme-ml-tfstate", "is an alias, not a key ARN"),
    ("alias/acme-ml-tfstate", "is an alias, not a key ARN"),
    ("0b0f8f3a-2c6e-4f3d-9a1b-1f2e3d4c5b6a", "is not a KMS key ARN"),
    # not a random UUID: Terraform's s3 backend answers "Invalid KMS Key ARN" (Terraform 1.11.4 init)
    ("arn:aws:kms:us-east-1:444444444444:key/1234abcd-12ab-34cd-56ef-1234567890ab", "is not a KMS key ARN"),
    ("arn:aws:kms:us-east-1:111111111111:key/0b0f8f3a-2c6e-4f3d-9a1b-1f2e3d4c5b6a",
     "is not a key in the state bucket's region and account (us-east-1, 444444444444)"),
    ("arn:aws:kms:eu-west-1:444444444444:key/0b0f8f3a-2c6e-4f3d-9a1b-1f2e3d4c5b6a",
     "is not a key in the state bucket's region and account"),
])
def test_a_state_kms_key_arn_that_is_not_the_state_keys_full_arn_is_an_input_error(
        tmp_path: Path, value: str, message: str) -> None:
    spec = _spec(tmp_path, value)
    line = spec.read_text().splitlines().index(f"  kms_key_arn: {value}") + 1
    result = mlstrata("validate", "--spec", str(spec))
    assert result.returncode == 2, result.output
    assert f"platform.yaml:{line}" in result.output and message in result.output, result.output
    assert "state_kms_key_arn" in result.output  # how to fix: the bootstrap root's output
    assert "Traceback" not in result.output


def test_a_multi_region_key_arn_is_accepted(tmp_path: Path) -> None:
    mrk = "arn:aws:kms:us-east-1:444444444444:key/mrk-1234abcd12ab34cd56ef1234567890ab"
    assert {a.get("kms_key_id") for a in _backends(tmp_path, mrk).values()} == {mrk}
