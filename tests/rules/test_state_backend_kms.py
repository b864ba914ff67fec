"""MLS027 on a kms_key_id that names no account (a bare alias or key id) in an s3 backend that assumes a role.

The AWS fact, from the S3 API reference (ServerSideEncryptionByDefault, KMSMasterKeyID;
https://docs.aws.amazon.com/AmazonS3/latest/API/API_ServerSideEncryptionByDefault.html): "If you are using
encryption with cross-account or AWS service operations, you must use a fully qualified KMS key ARN" and "If you
use a KMS key alias instead, then KMS resolves the key within the requester's account. This behavior can result
in data that's encrypted with a KMS key that belongs to the requester, and not the bucket owner." The same for a
key id: "To specify a KMS key in a different Amazon Web Services account, you must use the key ARN or alias ARN"
(KMS API reference, Encrypt, KeyId: https://docs.aws.amazon.com/kms/latest/APIReference/API_Encrypt.html). The s3
backend accepts both bare forms (opentofu/opentofu#670 allowed aliases there, as Terraform's validation does).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mlstrata.rules.runner import run_check

ROLE = "arn:aws:iam::111111111111:role/acme-dev-deploy"


def _findings(tmp_path: Path, settings: str) -> list[tuple[int, str, str]]:
    (tmp_path / "main.tf").write_text(
        'terraform {\n  backend "s3" {\n    bucket       = "acme-tfstate"\n    key          = "acme/dev/base.tfstate"\n'
        f'    region       = "us-east-1"\n    use_lockfile = true\n{settings}  }}\n}}\n')
    result = run_check([tmp_path], spec=None, workers=1, select={"MLS027"})
    return [(d.where.line if d.where else 0, d.summary, d.hint) for d in result.findings]


@pytest.mark.parametrize(("role", "line"), [
    (f'    assume_role = {{\n      role_arn = "{ROLE}"\n    }}\n', 8),  # Terraform >= 1.6
    (f'    role_arn = "{ROLE}"\n', 8),                                     # the older top-level argument
])
def test_a_bare_alias_written_through_a_role_is_flagged_with_the_account_it_resolves_in(
        tmp_path: Path, role: str, line: int) -> None:
    settings = '    encrypt      = true\n    kms_key_id   = "alias/acme-tfstate"\n' + role
    assert _findings(tmp_path, settings) == [(
        line,
        f'backend "s3" kms_key_id is a bare alias (alias/acme-tfstate) and the backend writes as {ROLE}: S3 '
        "resolves a bare alias in the requester's account (111111111111), whoever owns the bucket",
        "Use the key's full ARN (arn:aws:kms:<region>:<account>:key/<key-id>) as kms_key_id: AWS requires it for "
        "cross-account writes, and a bare alias picks the key 111111111111 knows as alias/acme-tfstate, or fails "
        "where that account has none.",
    )]


def test_a_bare_key_id_written_through_a_role_is_flagged_too(tmp_path: Path) -> None:
    settings = ('    encrypt      = true\n    kms_key_id   = "0b0f8f3a-2c6e-4f3d-9a1b-1f2e3d4c5b6a"\n'
                f'    role_arn     = "{ROLE}"\n')
    [(line, summary, hint)] = _findings(tmp_path, settings)
    assert line == 8 and "is a bare key id (0b0f8f3a-2c6e-4f3d-9a1b-1f2e3d4c5b6a)" in summary
    assert "the key 111111111111 knows as 0b0f8f3a" in hint


@pytest.mark.parametrize("settings", [
    # no role: the writer's own account, its own choice
    '    encrypt      = true\n    kms_key_id   = "alias/acme-tfstate"\n',
    # no encrypt: Terraform sends no SSE-KMS header, kms_key_id is not used on writes
    f'    kms_key_id   = "alias/acme-tfstate"\n    role_arn     = "{ROLE}"\n',
    # the key's full ARN names its account: right from any account its key policy lets in
    '    encrypt      = true\n    kms_key_id   = "arn:aws:kms:us-east-1:444444444444:key/0b0f8f3a-2c6e-4f3d-9a1b-'
    f'1f2e3d4c5b6a"\n    role_arn     = "{ROLE}"\n',
])
def test_no_finding_where_the_alias_cannot_resolve_in_a_role_account(tmp_path: Path, settings: str) -> None:
    assert _findings(tmp_path, settings) == []
