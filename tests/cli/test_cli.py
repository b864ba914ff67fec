"""The CLI as a user meets it: real processes, exit codes, no tracebacks."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML
from support.cli import CliResult
from support.cli import mlstrata as run_cli

REPO = Path(__file__).resolve().parents[2]
INVALID = REPO / "tests" / "testdata" / "spec" / "invalid"


def mlstrata(*args: str, cwd: Path | None = None) -> CliResult:
    return run_cli(*args, cwd=cwd, process=True)


def test_init_validate_render_check_from_scratch(tmp_path: Path) -> None:
    assert mlstrata("init", "--target", "aws", cwd=tmp_path).returncode == 0
    assert "target: aws" in (tmp_path / "platform.yaml").read_text()
    again = mlstrata("init", cwd=tmp_path)
    assert again.returncode == 2 and "already exists" in again.stderr and "--force" in again.stderr
    assert mlstrata("validate", cwd=tmp_path).returncode == 0
    check = mlstrata("render", "--check", cwd=tmp_path)
    assert check.returncode == 1 and "out of date" in check.stderr
    render = mlstrata("render", cwd=tmp_path)
    assert render.returncode == 0, render.stderr
    assert (tmp_path / "infra" / "live" / "prod" / "platform" / "main.tf").is_file()
    assert mlstrata("render", "--check", cwd=tmp_path).returncode == 0


@pytest.mark.parametrize("fixture", ["scaling_min_gt_max", "yaml_syntax", "unknown_key", "account_unquoted"])
def test_bad_spec_exits_2_with_position_and_no_traceback(fixture: str, tmp_path: Path) -> None:
    spec = INVALID / f"{fixture}.yaml"
    for args in (["validate"], ["render", "--out", str(tmp_path / "out")]):
        proc = mlstrata(*args, "--spec", str(spec))
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr + proc.stdout
        assert f"{spec}:" in proc.stderr and "hint:" in proc.stderr
    assert not (tmp_path / "out").exists(), "a bad spec must not write anything"


def test_validate_json_output_lists_diagnostics() -> None:
    proc = mlstrata("validate", "--spec", str(INVALID / "stage_not_env.yaml"), "--format", "json")
    assert proc.returncode == 2
    (diag,) = json.loads(proc.stdout)["diagnostics"]
    assert diag["path"] == "model_registry.stages[1]" and diag["line"] == 11 and diag["column"] == 7


def test_missing_spec_file_is_a_usage_error(tmp_path: Path) -> None:
    proc = mlstrata("validate", cwd=tmp_path)
    assert proc.returncode == 2 and "spec file not found" in proc.stderr and "mlstrata init" in proc.stderr


def test_unknown_format_is_a_usage_error() -> None:
    proc = mlstrata("validate", "--spec", str(REPO / "examples" / "aws" / "platform.yaml"), "--format", "xml")
    assert proc.returncode == 2 and "unknown format" in proc.stderr


def test_schema_validates_the_example_and_rejects_typos(tmp_path: Path) -> None:
    proc = mlstrata("schema", "-o", str(tmp_path / "schema.json"))
    assert proc.returncode == 0
    schema = json.loads((tmp_path / "schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    yaml = YAML(typ="safe")
    for spec in [REPO / "examples" / "aws" / "platform.yaml",
                 *sorted((REPO / "tests" / "testdata" / "render").glob("*/spec.yaml"))]:
        errors = list(validator.iter_errors(yaml.load(spec.read_text())))
        assert not errors, f"{spec}: {errors[0].message}"
    typo = yaml.load((INVALID / "unknown_key.yaml").read_text())
    assert list(validator.iter_errors(typo)), "the schema must reject unknown keys"
    service_typos = {e.json_path for e in validator.iter_errors(
        yaml.load((INVALID / "services_unknown_keys.yaml").read_text()))}
    assert {"$.serving", "$.feature_store"} <= service_typos, service_typos
    assert mlstrata("schema").stdout == (tmp_path / "schema.json").read_text()


def test_every_command_has_useful_help() -> None:
    for command in ("init", "validate", "render", "schema"):
        proc = mlstrata(command, "--help")
        assert proc.returncode == 0
        assert len(proc.stdout.split()) > 25, f"`{command} --help` says too little"


@pytest.mark.parametrize(("target", "example", "golden"),
                         [("aws", "aws", "aws-example"), ("azure", "azure", "azure-example"),
                          ("local", "quickstart", "local-quickstart")])
def test_init_writes_the_bundled_example_that_the_render_tests_prove(
        target: str, example: str, golden: str, tmp_path: Path) -> None:
    """`init` output is the example the fmt, schema, checkov and golden tests run on."""
    assert mlstrata("init", "--target", target, cwd=tmp_path).returncode == 0
    written = (tmp_path / "platform.yaml").read_text()
    assert written == (REPO / "examples" / example / "platform.yaml").read_text()
    assert written == (REPO / "tests" / "testdata" / "render" / golden / "spec.yaml").read_text()


def test_init_rejects_unknown_target(tmp_path: Path) -> None:
    proc = mlstrata("init", "--target", "openstack", cwd=tmp_path)
    assert proc.returncode == 2 and "unknown target" in proc.stderr and not (tmp_path / "platform.yaml").exists()


def test_help_keeps_bracketed_defaults() -> None:
    for command, text in (("review", "[default: from the path"), ("drift", "[default: infra/ beside the spec]")):
        proc = mlstrata(command, "--help")
        assert proc.returncode == 0
        assert text in " ".join(proc.stdout.replace("│", " ").split()), proc.stdout


def test_tables_are_not_cut_at_80_columns_in_a_log(tmp_path: Path) -> None:
    """Output to a pipe (a CI log) without COLUMNS: rich would assume 80 columns and cut cells."""
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"} | {"NO_COLOR": "1"}
    proc = subprocess.run([sys.executable, "-m", "mlstrata", "rules"], capture_output=True, text=True,
                          env=env, check=False)
    assert proc.returncode == 0
    assert "iam-wildcard-resource" in proc.stdout and "…" not in proc.stdout


def test_parity_markdown_format_and_separate_option_errors() -> None:
    spec = str(REPO / "examples" / "quickstart" / "platform.yaml")
    bad = mlstrata("parity", "-f", spec, "--format", "yaml", "--state", "none")
    assert bad.returncode == 2 and "unknown format `yaml`" in bad.stderr and "markdown" in bad.stderr
    assert "--state" not in bad.stderr
    bad_state = mlstrata("parity", "-f", spec, "--state", "later")
    assert bad_state.returncode == 2 and "unknown --state 'later'" in bad_state.stderr


@pytest.mark.parametrize("command", [("cost", "--env"), ("history", "--env"), ("rollback", "--to", "HEAD", "--env"),
                                     ("plan", "-e"), ("drift", "--env")])
def test_every_command_names_an_unknown_environment_alike(tmp_path: Path, command: tuple[str, ...]) -> None:
    # cost listed the environments sorted (dev, prod, staging) without a suggestion, history and rollback
    # without one: every command now says the same, in spec order, with the closest name
    (tmp_path / "platform.yaml").write_text((REPO / "examples" / "quickstart" / "platform.yaml").read_text())
    typo = mlstrata(*command, "prdo", cwd=tmp_path)
    usage = 1 if command[0] == "drift" else 2  # drift keeps 2 for "drift found", as terraform -detailed-exitcode
    assert typo.returncode == usage and "unknown environment `prdo`" in typo.stderr, typo.output
    assert "Did you mean `prod`? Environments: dev, staging, prod." in typo.stderr, typo.stderr
    assert "Traceback" not in typo.output


def test_plan_usage_errors_say_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "platform.yaml").write_text((REPO / "examples" / "quickstart" / "platform.yaml").read_text())
    typo = mlstrata("plan", "-e", "prdo", cwd=tmp_path)
    assert typo.returncode == 2 and "unknown environment `prdo`" in typo.stderr
    assert "Did you mean `prod`?" in typo.stderr
    no_tree = mlstrata("plan", cwd=tmp_path)
    assert no_tree.returncode == 2 and "no rendered repository at" in no_tree.stderr
    assert "mlstrata render" in no_tree.stderr and ".gitignore" not in no_tree.stderr
    lock = mlstrata("plan", "--lock-timeout", "abc", cwd=tmp_path)
    assert lock.returncode == 2 and "'abc' is not a duration" in lock.stderr and "-chdir" not in lock.stderr


def test_the_rendered_local_readme_says_only_what_is_true_and_its_commands_work_from_infra(tmp_path: Path) -> None:
    """Issue 18: the local tree's README listed a bootstrap/state/ that does not exist, claimed encrypted state, and
    its `mlstrata plan --env dev` failed from infra/ (no platform.yaml there)."""
    (tmp_path / "platform.yaml").write_text((REPO / "examples" / "quickstart" / "platform.yaml").read_text())
    assert mlstrata("render", cwd=tmp_path).returncode == 0
    infra = tmp_path / "infra"
    readme = (infra / "README.md").read_text()
    for path in re.findall(r"^\| `([a-z./_<>-]+/)` \|", readme, flags=re.MULTILINE):
        concrete = path.replace("<name>", "model_registry").replace("<env>", "dev").replace("<layer>", "base")
        assert (infra / concrete).is_dir(), f"the README lists {path}, which the tree does not have"
    assert "bootstrap/state/" not in readme and "encrypted and locked" not in readme
    assert "not encrypted" in readme and "`.mlstrata/state/dev/base.tfstate`" in readme
    assert "mlstrata plan --env dev" in readme
    # protection said as it is on this target: buckets keep their objects and the pipeline metadata store its
    # metadata (the local provider refuses to destroy either while they hold data); no cloud-only nouns
    assert "KMS keys" not in readme and "not protected" not in readme
    assert "nor the pipeline metadata store while it holds pipeline metadata (force_destroy off)" in readme
    for cwd in (infra, infra / "live" / "dev" / "base"):
        found = mlstrata("status", "--env", "dev", "--format", "json", cwd=cwd)  # finds ../platform.yaml and infra/
        assert found.returncode == 0, found.stderr
        assert [u["unit"] for u in json.loads(found.stdout)["units"]] == ["dev/base", "dev/platform"]
    # parity's default --state refresh on a tree never applied: "not applied yet", not failed refreshes
    parity = mlstrata("parity", "--envs", "dev,staging", "--format", "json", cwd=infra)
    assert parity.returncode == 0, parity.stdout + parity.stderr
    report = json.loads(parity.stdout)
    notes = [d for d in report["diagnostics"] if d["code"] == "parity.not_applied"]
    assert len(notes) == 4 and {d["severity"] for d in report["diagnostics"]} == {"info"}
    assert "remote state" not in parity.stdout
    elsewhere = mlstrata("validate", cwd=tmp_path / "infra" / "..")
    assert elsewhere.returncode == 0
    (tmp_path / "lone").mkdir()
    missing = mlstrata("validate", cwd=tmp_path / "lone")
    assert missing.returncode == 2 and "platform.yaml" in missing.stderr


@pytest.mark.parametrize(("spec", "counted"), [
    ("tests/testdata/render/gcp-minimal/spec.yaml", "1 environment, 1 GPU pool\n"),
    ("examples/aws/platform.yaml", "3 environments, 2 GPU pools\n")])
def test_validate_counts_in_words_that_agree(spec: str, counted: str) -> None:
    shown = mlstrata("validate", "--spec", str(REPO / spec))
    assert shown.returncode == 0 and shown.stderr.endswith(counted), shown.stderr
