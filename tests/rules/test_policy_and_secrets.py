"""Policy statements from JSON text, and the secret heuristics (values are never printed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlstrata.rules.runner import run_check
from mlstrata.rules.secrets import SHAPE_PREFIXES, TOKEN_SHAPES, _shape, entropy, looks_secret, secret_name

HEREDOC_POLICY = """resource "aws_iam_role_policy" "legacy" {
  name   = "legacy"
  role   = "legacy"
  policy = <<EOT
{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow",
    "Action": "*:*", "Resource": "*"}]
}
EOT
}
"""


def test_wildcard_action_in_a_json_heredoc_points_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(HEREDOC_POLICY)
    (finding,) = run_check([tmp_path], workers=1, select={"MLS015"}).findings
    assert finding.where is not None and finding.where.line == 8


def test_policy_from_an_unknown_reference_is_not_guessed(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_iam_policy" "p" {\n  policy = file("p.json")\n}\n')
    assert run_check([tmp_path], workers=1, select={"MLS015", "MLS016", "MLS017"}).findings == []


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("password", True),
        ("db_password", True),
        ("master_password", True),
        ("api_key", True),
        ("client_secret", True),
        ("secret_key", True),
        ("token", True),
        ("github_token", True),
        ("password_length", False),
        ("secret_arn", False),
        ("kms_key_id", False),
        ("secret_name", False),
        ("token_path", False),
        ("public_key", False),
        ("description", False),
        ("bypass", False),
    ],
)
def test_secret_names(name: str, expected: bool) -> None:
    assert secret_name(name) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Xq7vLp2mR9wKz4Tb", True),
        ("hunter22", True),
        ("aaaaaaaa", False),
        ("changeme", False),
        ("", False),
        ("abc", False),
        ("arn:aws:secretsmanager:us-east-1:111111111111:secret:x", False),
        ("/var/run/secret", False),
        ("two words here", False),
        ("${var.x}", False),
    ],
)
def test_secret_values(value: str, expected: bool) -> None:
    assert looks_secret(value) is expected


def test_entropy() -> None:
    assert entropy("aaaa") == 0.0
    assert entropy("abcd") == 2.0


def test_secret_values_are_never_in_findings(tmp_path: Path) -> None:
    value = "Zq8vLp2mR9wKx4Tb"
    (tmp_path / "main.tf").write_text(f'locals {{\n  password = "{value}"\n}}\n')
    (finding,) = run_check([tmp_path], workers=1, select={"MLS018"}).findings
    assert value not in finding.summary + finding.detail + finding.path


def test_every_credential_shape_passes_the_prefix_search() -> None:
    # one made-up value of each shape, built here so no credential-like literal sits in the repository
    made_up = {
        "AWS access key id": "AS" + "IA" + "Q" * 16,
        "private key": "-----BEGIN " + "EC PRIVATE KEY-----\nMHc...",
        "GitHub token": "gh" + "s_" + "a1" * 18,
        "Slack token": "xo" + "xb-" + "12345-abcde",
        "Stripe live key": "sk" + "_live_" + "Z" * 20,
        "Hugging Face token": "h" + "f_" + "b2" * 15,
    }
    assert set(made_up) == {label for label, _ in TOKEN_SHAPES}
    for label, value in made_up.items():
        assert SHAPE_PREFIXES.search(value) is not None, label
        assert _shape(f"prefix {value} suffix") == label
    assert _shape("a description that mentions no credential, with-dashes and_underscores") is None
