from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mlstrata.diagnostics import DiagnosticsError, Severity
from mlstrata.hcl import parse_file
from support.schemacheck import ProviderSchemas, check_file, check_tree, load_schemas

TESTDATA = Path(__file__).resolve().parents[1] / "testdata"
FIXTURES = TESTDATA / "schemacheck"
SCHEMA_FILES = [TESTDATA / "provider_schemas" / "aws.json", TESTDATA / "provider_schemas" / "helm.json"]
_MARKER = re.compile(r"ERROR: (.+?)(?=\s+ERROR:|$)")


@pytest.fixture(scope="module")
def schemas() -> ProviderSchemas:
    return load_schemas(SCHEMA_FILES)


def _expected(path: Path) -> list[tuple[int, str]]:
    """(line, summary substring) for every `ERROR: ...` marker in a fixture's comments."""
    out: list[tuple[int, str]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if "#" in line:
            comment = line[line.index("#") :]
            out.extend((number, m.group(1).strip()) for m in _MARKER.finditer(comment))
    return out


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("*.tf")), ids=lambda p: p.name)
def test_fixture_markers_match_diagnostics_exactly(fixture: Path, schemas: ProviderSchemas) -> None:
    diagnostics = check_tree([fixture], schemas)
    unmatched = list(diagnostics)
    missing: list[tuple[int, str]] = []
    for line, text in _expected(fixture):
        hit = next((d for d in unmatched if d.where and d.where.line == line and text in d.summary), None)
        if hit is None:
            missing.append((line, text))
        else:
            unmatched.remove(hit)
    assert missing == [], f"expected diagnostics not reported: {missing}"
    assert unmatched == [], "unexpected diagnostics:\n" + "\n".join(d.headline() for d in unmatched)


def test_clean_fixture_has_no_findings(schemas: ProviderSchemas) -> None:
    assert _expected(FIXTURES / "clean.tf") == []
    assert check_tree([FIXTURES / "clean.tf"], schemas) == []


def test_error_fixtures_are_not_empty() -> None:
    # Guards the marker test against fixtures that lost their markers.
    assert len(_expected(FIXTURES / "aws_errors.tf")) >= 10
    assert len(_expected(FIXTURES / "helm_errors.tf")) >= 4


def test_diagnostics_carry_position_address_code_and_hint(schemas: ProviderSchemas) -> None:
    found = check_tree([FIXTURES], schemas)
    typo = next(d for d in found if d.code == "schema.unknown_argument" and '"bukcet"' in d.summary)
    assert typo.severity is Severity.ERROR
    assert typo.where is not None
    assert typo.where.file.endswith("aws_errors.tf") and typo.where.column == 3
    assert typo.path == "aws_s3_bucket.bad_arguments"
    assert typo.hint == 'Did you mean "bucket"?'
    data = next(d for d in found if d.code == "schema.unknown_block")
    assert data.path == "data.aws_iam_policy_document.nested"
    assert "statement" in data.detail
    wrong_kind = next(d for d in found if "wrong_kind" in d.path)
    assert "is a resource of this provider" in wrong_kind.hint


def test_directories_are_walked_sorted_and_dot_terraform_skipped(tmp_path: Path, schemas: ProviderSchemas) -> None:
    (tmp_path / "b.tf").write_text('resource "aws_s3_bucket" "b" {\n  nope = 1\n}\n', encoding="utf-8")
    (tmp_path / "a.tf").write_text('resource "aws_s3_bucket" "a" {\n  nope = 1\n}\n', encoding="utf-8")
    vendored = tmp_path / ".terraform" / "modules" / "m"
    vendored.mkdir(parents=True)
    (vendored / "main.tf").write_text('resource "aws_s3_bucket" "v" {\n  nope = 1\n}\n', encoding="utf-8")
    found = check_tree([tmp_path], schemas)
    assert [d.path for d in found] == ["aws_s3_bucket.a", "aws_s3_bucket.b"]


def test_syntax_errors_are_reported_with_schema_findings(tmp_path: Path, schemas: ProviderSchemas) -> None:
    f = tmp_path / "main.tf"
    f.write_text('resource "aws_s3_bucket" "x" {\n  bukcet = "b"\n  y =\n}\n', encoding="utf-8")
    codes = [d.code for d in check_file(parse_file(f), schemas)]
    assert "hcl.syntax" in codes and "schema.unknown_argument" in codes


def test_type_missing_from_trimmed_schema_is_a_warning(tmp_path: Path) -> None:
    data = json.loads(SCHEMA_FILES[0].read_text(encoding="utf-8"))
    assert "aws_kms_key" in data["resources"]
    del data["resources"]["aws_kms_key"]
    trimmed = tmp_path / "aws.json"
    trimmed.write_text(json.dumps(data), encoding="utf-8")
    tf = tmp_path / "main.tf"
    tf.write_text('resource "aws_kms_key" "k" {\n  whatever = 1\n}\n', encoding="utf-8")
    found = check_tree([tf], load_schemas([trimmed]))
    assert [(d.severity, d.code, d.path) for d in found] == [
        (Severity.WARNING, "schema.not_extracted", "aws_kms_key.k")
    ]


def test_malformed_schema_file_raises_diagnostics(tmp_path: Path) -> None:
    bad = tmp_path / "aws.json"
    bad.write_text('{"resources": {}}', encoding="utf-8")
    with pytest.raises(DiagnosticsError) as exc:
        load_schemas([bad])
    assert exc.value.diagnostics[0].code == "schema.load"


def test_committed_schemas_cover_every_fixture_type(schemas: ProviderSchemas) -> None:
    """Regenerating the schema files must keep the fixtures' types (scan tests/testdata/schemacheck too)."""
    for fixture in sorted(FIXTURES.glob("*.tf")):
        for block in parse_file(fixture).body.blocks:
            if block.type not in ("resource", "data") or len(block.labels) != 2:
                continue
            provider = schemas.for_type(block.labels[0])
            if provider is None:
                continue
            is_data = block.type == "data"
            names = provider.data_source_types if is_data else provider.resource_types
            if block.labels[0] in names:
                extracted = provider.data_sources if is_data else provider.resources
                assert block.labels[0] in extracted, f"{fixture.name}: {block.labels[0]} not extracted"


def test_committed_schemas_record_their_source(schemas: ProviderSchemas) -> None:
    for name, provider in schemas.providers.items():
        assert provider.source["generated_by"] == "scripts/extract_provider_schema.py"
        assert provider.source["package"] == f"cdktf-cdktf-provider-{name}"
        assert provider.source["provider"] == f"registry.terraform.io/hashicorp/{name}"
        assert provider.source["provider_version"]
