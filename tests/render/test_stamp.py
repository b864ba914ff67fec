"""The render stamp: commands open a current tree without reading the spec, and never trust a stale one.

Every case renders the quickstart for real (`mlstrata render`), then changes one thing the stamp must notice:
the spec, a rendered file, the manifest, the stamp itself, mlstrata's code. A stale tree is still refused by
`plan` before Terraform starts, with the same message as without a stamp.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.cli import mlstrata

from mlstrata.render.stamp import code_fingerprint, current_profile, tree_digest
from mlstrata.render.tree import render_tree
from mlstrata.repo import MANIFEST, STAMP
from mlstrata.spec.load import load_spec
from mlstrata.targets.registry import TARGETS
from mlstrata.workspace import open_current, open_workspace

QUICKSTART = Path(__file__).resolve().parents[2] / "examples" / "quickstart" / "platform.yaml"


def _rendered(tmp_path: Path, text: str | None = None) -> tuple[Path, Path]:
    spec = tmp_path / "platform.yaml"
    spec.write_text(QUICKSTART.read_text() if text is None else text)
    result = mlstrata("render", "--spec", str(spec))
    assert result.returncode == 0, result.output
    return spec, tmp_path / "infra"


def _plan_refuses_stale(spec: Path, differs: str = "") -> None:
    """`plan` on a stale tree exits 2 before Terraform runs, naming the file that differs."""
    result = mlstrata("plan", "--spec", str(spec), "--env", "dev", "--no-review")
    assert result.returncode == 2, result.output
    assert f"is not what {spec} renders ({differs}" in result.output and " differs)" in result.output, result.output
    assert "Traceback" not in result.output
    assert not list((spec.parent / "infra").rglob(".terraform"))


def test_render_stamps_the_tree_and_the_fast_open_equals_the_full_one(tmp_path: Path) -> None:
    spec, repo = _rendered(tmp_path)
    stamp = json.loads((repo / STAMP).read_text())
    loaded = load_spec(spec, targets=TARGETS)
    assert stamp["tree"] == render_tree(loaded).digest() == tree_digest(repo)
    fast = open_current(spec, repo, ["dev", "prod"], ["base"])
    assert fast is not None
    ws, problems, profile = fast
    full, full_problems = open_workspace(loaded, repo, ["dev", "prod"], ["base"])
    assert ws is not None and full is not None and problems == full_problems == []
    assert [u.id for u in ws.units] == [u.id for u in full.units] == ["dev/base", "prod/base"]
    assert ws.units == full.units and ws.cli_config_blocks == full.cli_config_blocks
    assert ws.profile == full.profile == profile and ws.protected_envs == full.protected_envs == {"prod"}
    assert ws.loaded is None and ws.spec.platform == loaded.platform  # read on first use only
    # a bad selection is the same diagnostic either way
    fast_bad = open_current(spec, repo, ["dve"], None)
    assert fast_bad is not None and fast_bad[1] == open_workspace(loaded, repo, ["dve"], None)[1]
    assert "Did you mean `dev`?" in fast_bad[1][0].hint


def test_opening_a_current_tree_reads_no_spec_models_in_a_fresh_process(tmp_path: Path) -> None:
    spec, repo = _rendered(tmp_path)
    code = ("import sys; from pathlib import Path; from mlstrata.workspace import open_current; "
            f"ws, problems, _ = open_current(Path({str(spec)!r}), Path({str(repo)!r}), ['dev'], None); "
            "heavy = ('pydantic', 'ruamel', 'mlstrata.spec', 'mlstrata.render.tree', 'mlstrata.targets.registry'); "
            "print([u.id for u in ws.units], problems, sorted(m for m in sys.modules if m.startswith(heavy)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert out.stdout.strip() == "['dev/base', 'dev/platform'] [] []", out.stdout + out.stderr


@pytest.mark.parametrize("edit", ["render_differs", "comment_only"])
def test_an_edited_spec_is_not_trusted(tmp_path: Path, edit: str) -> None:
    spec, repo = _rendered(tmp_path)
    text = spec.read_text()
    if edit == "render_differs":
        assert "platform: quickstart\n" in text
        spec.write_text(text.replace("platform: quickstart\n", "platform: quickstart2\n", 1))
        assert current_profile(repo, spec) is None
        _plan_refuses_stale(spec)
    else:  # renders the same: the full path finds the tree current and stamps it again
        spec.write_text(text + "# a comment\n")
        assert current_profile(repo, spec) is None
        loaded = load_spec(spec, targets=TARGETS)
        ws, problems = open_workspace(loaded, repo, ["dev"], None, spec_sha256=None)
        assert ws is not None and problems == [] and current_profile(repo, spec) is None  # no digest: no stamp
        from mlstrata.render.stamp import file_sha256

        open_workspace(loaded, repo, ["dev"], None, spec_sha256=file_sha256(spec))
        assert current_profile(repo, spec) is not None


def test_an_edited_rendered_file_is_not_trusted(tmp_path: Path) -> None:
    spec, repo = _rendered(tmp_path)
    main_tf = repo / "live" / "dev" / "base" / "main.tf"
    original = main_tf.read_text()
    main_tf.write_text(original.replace("mlstrata", "mlstrata ", 1))
    assert current_profile(repo, spec) is None
    _plan_refuses_stale(spec, "live/dev/base/main.tf")
    main_tf.write_text(original)  # put back: current again, the stamp was never changed
    assert current_profile(repo, spec) is not None


def test_a_missing_or_removed_rendered_file_and_an_edited_manifest_are_not_trusted(tmp_path: Path) -> None:
    spec, repo = _rendered(tmp_path)
    readme = repo / "README.md"
    text = readme.read_text()
    readme.unlink()
    assert current_profile(repo, spec) is None
    _plan_refuses_stale(spec, "README.md")
    readme.write_text(text)
    manifest = json.loads((repo / MANIFEST).read_text())
    (repo / "live" / "dev" / "base" / "extra.tf").write_text("# hand-written\n")
    manifest["files"].append("live/dev/base/extra.tf")  # a file an earlier render managed, still on disk
    (repo / MANIFEST).write_text(json.dumps(manifest))
    assert current_profile(repo, spec) is None
    _plan_refuses_stale(spec, "live/dev/base/extra.tf")


@pytest.mark.parametrize("damage", ["missing", "garbage", "other_code", "other_format", "other_spec_path"])
def test_a_missing_damaged_or_foreign_stamp_takes_the_full_path(tmp_path: Path, damage: str) -> None:
    spec, repo = _rendered(tmp_path)
    stamp_file = repo / STAMP
    stamp = json.loads(stamp_file.read_text())
    if damage == "missing":
        stamp_file.unlink()
    elif damage == "garbage":
        stamp_file.write_text('{"format": 1, "spec": [')
    elif damage == "other_code":
        stamp_file.write_text(json.dumps({**stamp, "code": "0" * 64}))
    elif damage == "other_format":
        stamp_file.write_text(json.dumps({**stamp, "format": 0}))
    else:
        copy = tmp_path / "other.yaml"
        copy.write_text(spec.read_text())
        assert current_profile(repo, copy) is None
        return
    assert current_profile(repo, spec) is None
    assert open_current(spec, repo, None, None) is None
    # the full path still opens it, and stamps it again (a CLI run passes the spec's digest)
    result = mlstrata("render", "--spec", str(spec))
    assert result.returncode == 0 and current_profile(repo, spec) is not None


def test_the_code_fingerprint_follows_every_file_of_the_package(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub" / "__pycache__").mkdir(parents=True)
    (package / "a.py").write_text("A = 1\n")
    (package / "sub" / "b.tf").write_text("# module\n")
    before = code_fingerprint(package)
    (package / "sub" / "__pycache__" / "b.cpython.pyc").write_bytes(b"cache")  # caches do not count
    assert code_fingerprint(package) == before
    (package / "sub" / "b.tf").write_text("# module, edited\n")
    assert code_fingerprint(package) != before
    edited = code_fingerprint(package)
    os.utime(package / "a.py", ns=(1, 1))  # same size, other time (an upgrade, a checkout)
    assert code_fingerprint(package) not in (before, edited)


def test_the_stamp_replays_the_specs_warnings_and_run_variables_at_the_callers_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = QUICKSTART.read_text()
    text = text.replace("needs: [artifact_store, metadata_store, identity]", "needs: [artifact_store, identity]")
    text = text.replace("state:\n  backend: local ", "state:\n  backend: pg\n  conn_str_env: QS_STAMP_PG ")
    assert "QS_STAMP_PG" in text
    _, repo = _rendered(tmp_path, text)
    monkeypatch.delenv("QS_STAMP_PG", raising=False)
    monkeypatch.chdir(tmp_path)
    relative = Path("platform.yaml")  # given otherwise than at render: places follow the caller's spelling
    loaded = load_spec(relative, targets=TARGETS)
    assert loaded.warnings and all(w.where is not None and w.where.file == "platform.yaml" for w in loaded.warnings)
    fast = open_current(relative, Path("infra"), ["dev"], None)
    assert fast is not None
    ws, problems, profile = fast
    full, full_problems = open_workspace(loaded, Path("infra"), ["dev"], None)
    assert ws is None and full is None
    assert problems == full_problems and problems[0].summary == "$QS_STAMP_PG is not set"
    assert str(problems[0].where).startswith("platform.yaml:")
    assert list(profile.warnings) == loaded.warnings
    stamp = (repo / STAMP).read_text()
    monkeypatch.setenv("QS_STAMP_PG", "postgres://user:s3cret@127.0.0.1:1/db")
    ws, problems, _ = open_current(relative, Path("infra"), ["dev"], None) or (None, [], None)
    assert ws is not None and problems == [] and ws.units[0].env_vars == {"PG_CONN_STR": os.environ["QS_STAMP_PG"]}
    assert "s3cret" not in stamp and "s3cret" not in (repo / STAMP).read_text()
    # the CLI shows the warnings once, from the stamp, as it did from the spec
    result = mlstrata("plan", "--env", "nowhere", cwd=tmp_path)
    assert result.returncode == 2 and result.output.count("is declared but not listed") == 1, result.output


DRIFT_ALLOW = """
drift:
  allow:
    - resource: "module.gpu_pool_*.mlstrata_gpu_pool.this"
      attributes: [max]
      envs: [dev]
      reason: the GPU pool is resized by hand during experiments
    - resource: "mlstrata_artifact_bucket.*"
      reason: retention is tuned by the storage team
"""


def test_drift_reads_its_allowances_from_the_stamp_and_an_edited_allowance_takes_the_full_path(
        tmp_path: Path) -> None:
    from mlstrata.drift.allowances import AllowedDrift

    spec, repo = _rendered(tmp_path, QUICKSTART.read_text() + DRIFT_ALLOW)
    loaded = load_spec(spec, targets=TARGETS)
    expected = tuple(AllowedDrift.of(a) for a in loaded.platform.drift.allow)
    assert expected == (AllowedDrift("module.gpu_pool_*.mlstrata_gpu_pool.this", ("max",), ("dev",),
                                     "the GPU pool is resized by hand during experiments"),
                        AllowedDrift("mlstrata_artifact_bucket.*", (), None, "retention is tuned by the storage team"))
    fast = current_profile(repo, spec)
    assert fast is not None and fast.drift_allow == expected
    full, _ = open_workspace(loaded, repo, ["dev"], None)
    assert full is not None and full.profile.drift_allow == expected
    # an allowance renders nothing: the tree stays the same, but the stamp must not vouch for the old reason
    spec.write_text(spec.read_text().replace("retention is tuned by the storage team", "retention set by hand"))
    assert current_profile(repo, spec) is None
    result = mlstrata("plan", "--spec", str(spec), "--env", "dev", "--no-review", "--terraform", "/nonexistent/tf")
    assert result.returncode == 2 and "Terraform executable not found" in result.output, result.output
    again = current_profile(repo, spec)  # the full path found the tree current and stamped it with the new reason
    assert again is not None and again.drift_allow[1].reason == "retention set by hand"


def test_validate_of_a_stamped_spec_replays_the_same_report_without_loading_it(tmp_path: Path) -> None:
    text = QUICKSTART.read_text().replace("needs: [artifact_store, metadata_store, identity]",
                                          "needs: [artifact_store, identity]")  # a spec with a warning
    spec, repo = _rendered(tmp_path, text)
    fast = {fmt: mlstrata("validate", "--spec", str(spec), "--format", fmt) for fmt in ("human", "json")}
    code = ("import sys, runpy; sys.argv = ['mlstrata', 'validate', '--spec', sys.argv[1]]\n"
            "try:\n    runpy.run_module('mlstrata', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith(('pydantic', 'ruamel', 'mlstrata.spec'))))")
    out = subprocess.run([sys.executable, "-c", code, str(spec)], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout + out.stderr
    (repo / STAMP).unlink()
    full = {fmt: mlstrata("validate", "--spec", str(spec), "--format", fmt) for fmt in ("human", "json")}
    for fmt in ("human", "json"):
        assert fast[fmt].returncode == full[fmt].returncode == 0
        assert (fast[fmt].stdout, fast[fmt].stderr) == (full[fmt].stdout, full[fmt].stderr), fmt
    assert "is declared but not listed" in fast["human"].output and "3 environments" in fast["human"].output
    report = json.loads(fast["json"].stdout)
    assert report["valid"] and report["diagnostics"] and set(report["environments"]) == {"dev", "staging", "prod"}


def test_validate_of_an_edited_spec_reads_it_even_with_a_stamp(tmp_path: Path) -> None:
    spec, repo = _rendered(tmp_path)
    assert (repo / STAMP).exists()
    spec.write_text(spec.read_text().replace("platform: quickstart\n", "platform: 7 not a name\n", 1))
    result = mlstrata("validate", "--spec", str(spec))
    assert result.returncode == 2 and "Traceback" not in result.output
    assert "platform.yaml:" in result.output, result.output
