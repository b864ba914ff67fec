"""A bucket policy built from other documents (`source_policy_documents`, as the shared s3_bucket module
does) is read with the statements the provider merges into it.
https://registry.terraform.io/providers/hashicorp/aws/latest/docs/data-sources/iam_policy_document#source_policy_documents-1
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mlstrata.rules.runner import run_check

FIXTURE = Path(__file__).resolve().parents[1] / "testdata" / "rules" / "MLS013" / "pass" / "main.tf"


def _tree(tmp_path: Path, merged: str) -> Path:
    """The MLS013 passing fixture with its TLS statement moved into a document of its own."""
    text = FIXTURE.read_text()
    text = text.replace('data "aws_iam_policy_document" "models" {', 'data "aws_iam_policy_document" "tls" {', 1)
    text += f'\ndata "aws_iam_policy_document" "models" {{\n  {merged}\n}}\n'
    (tmp_path / "main.tf").write_text(text)
    return tmp_path


@pytest.mark.parametrize("merged", ["source_policy_documents", "override_policy_documents"])
def test_statements_of_merged_documents_count(tmp_path: Path, merged: str) -> None:
    root = _tree(tmp_path, f"{merged} = [data.aws_iam_policy_document.tls.json]")
    assert [d.headline() for d in run_check([root], workers=1, select={"MLS013"}).findings] == []


def test_a_document_not_merged_does_not_count(tmp_path: Path) -> None:
    root = _tree(tmp_path, "version = \"2012-10-17\"")
    found = run_check([root], workers=1, select={"MLS013"}).findings
    assert [d.code for d in found] == ["MLS013"], [d.headline() for d in found]
