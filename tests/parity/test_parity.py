"""Parity without Terraform: the resolved spec and the rendered tree of the quickstart (and variants with
overrides), plus state JSON documents; statuses, the matrix, and the HTML/PNG views."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from support.cli import mlstrata

from mlstrata.parity.compare import ABSENT, pattern_matches
from mlstrata.parity.levels import address_component, parity_report, state_values
from mlstrata.render.tree import render_tree, write_tree
from mlstrata.spec.load import load_text
from mlstrata.spec.resolve import resolve
from mlstrata.targets.registry import TARGETS
from mlstrata.views.parity import png_bytes, render_html, verdict

TESTDATA = Path(__file__).resolve().parents[1] / "testdata"
QUICKSTART = (TESTDATA / "render" / "local-quickstart" / "spec.yaml").read_text()


def _report(spec_text: str, tmp_path: Path, envs: list[str],
            states: dict[str, dict[str, Any]] | None = None) -> Any:
    loaded = load_text(spec_text, targets=TARGETS)
    write_tree(render_tree(loaded), tmp_path)
    platform = loaded.platform
    return parity_report(platform, resolve(platform, loaded.source.data), envs, tmp_path, states)


def _statuses(report: Any) -> dict[tuple[str, str], str]:
    return {(d.level, d.key): d.status for d in report.differences}


def test_quickstart_staging_and_prod_differ_only_in_what_the_spec_declares(tmp_path: Path) -> None:
    report = _report(QUICKSTART, tmp_path, ["staging", "prod"])
    assert report.findings == []
    got = _statuses(report)
    assert got[("spec", "environment.protect")] == "declared"
    assert got[("config", "base:module.artifacts_datasets.protect")] == "declared"
    assert got[("config", "base:module.model_registry.port")] == "declared"
    assert report.levels == ("spec", "config")
    # the PNG's title (the verdict, long when all is at parity) is never cut off by a narrow matrix
    from PIL import Image, ImageDraw, ImageFont

    title = f"mlstrata parity: {verdict(report)}"
    needed = ImageDraw.Draw(Image.new("RGB", (1, 1))).textlength(title, font=ImageFont.load_default())
    assert Image.open(io.BytesIO(png_bytes(report))).width >= needed + 4, title


def test_an_override_is_a_finding_unless_parity_allow_covers_it(tmp_path: Path) -> None:
    spec = QUICKSTART.replace("    labels: { workload: training }",
                              "    labels: { workload: training }\n"
                              "    overrides:\n      dev: { instance_types: [g6.xlarge], scaling: { max: 1 } }")
    report = _report(spec, tmp_path, ["dev", "prod"])
    got = _statuses(report)
    assert got[("spec", "gpu_pools.training.instance_types")] == "finding"
    assert got[("spec", "gpu_pools.training.scaling.max")] == "allowed"  # parity.allow: gpu_pools.*.scaling
    assert got[("config", "base:module.gpu_pool_training.max")] == "allowed"
    assert got[("config", "base:module.gpu_pool_training.instance_types")] == "finding"
    # dev's promoters are its own (declared per stage); the pipeline runner's EDIT in the first stage follows
    assert got[("spec", "model_registry.promoters")] == "declared"
    assert report.cell("gpu_pools.training", "dev") == {"finding": 2, "allowed": 2, "declared": 0}
    html = render_html(report)
    assert "gpu_pools.training.instance_types" in html and "parity.allow: gpu_pools.*.scaling" in html
    first = png_bytes(report)
    assert first[:8] == b"\x89PNG\r\n\x1a\n" and png_bytes(report) == first


def _state(env: str, grants: dict[str, str], extra: bool = False) -> dict[str, Any]:
    resources = [{"address": 'module.registry_access.mlstrata_registry_permissions.this["m"]', "mode": "managed",
                  "values": {"id": f"quickstart-{env}/m", "grants": grants, "secret": "x"},
                  "sensitive_values": {"secret": True}}]
    if extra:
        resources.append({"address": "module.pipeline_queue.aws_sqs_queue.this", "mode": "managed",
                          "values": {"name": f"q-{env}"}, "sensitive_values": {}})
    return {"values": {"root_module": {"child_modules": [{"resources": resources}]}}}


def test_state_level_finds_extra_grants_and_resources_of_one_environment(tmp_path: Path) -> None:
    states = {
        "staging": state_values(_state("staging", {"a": "READ", "b": "EDIT"}, extra=True), "platform", "staging"),
        "prod": state_values(_state("prod", {"a": "READ"}), "platform", "prod"),
    }
    report = _report(QUICKSTART, tmp_path, ["staging", "prod"], states)
    findings = {d.key: dict(d.values) for d in report.findings}
    assert findings == {
        'platform:module.registry_access.mlstrata_registry_permissions.this["m"].grants.b':
            {"staging": "EDIT", "prod": ABSENT},
        "platform:module.pipeline_queue.aws_sqs_queue.this": {"staging": "(present)", "prod": ABSENT},
        "platform:module.pipeline_queue.aws_sqs_queue.this.name": {"staging": "q-<env>", "prod": ABSENT},
    }
    assert not any("secret" in d.key for d in report.differences)
    assert report.odd_envs(report.findings[0]) == ["staging"]


@pytest.mark.parametrize(("pattern", "key", "hit"), [
    ("gpu_pools.*.scaling", "gpu_pools.training.scaling.max", True),
    ("gpu_pools.*.scaling", "gpu_pools.training.scaling", True),
    ("gpu_pools.*.scaling", "gpu_pools.training.instance_types", False),
    ("gpu_pools.training", "gpu_pools.serving.taints", False),
])
def test_allow_patterns_cover_a_key_and_everything_under_it(pattern: str, key: str, hit: bool) -> None:
    assert pattern_matches(pattern, key) is hit


def test_components_of_rendered_addresses() -> None:
    assert address_component("base:module.gpu_pool_training.min") == "gpu_pools.training"
    assert address_component("base:module.artifacts_datasets.mlstrata_artifact_bucket.this") == \
        "artifact_stores.datasets"
    assert address_component("platform:module.registry_access.x") == "model_registry"
    assert address_component("base:aws_s3_bucket.x") == "other"


def test_parity_bad_input_exits_2_without_traceback(tmp_path: Path) -> None:
    proc = mlstrata("parity", "--envs", "dev,qa", cwd=tmp_path, process=True)
    assert proc.returncode == 2 and "spec file not found" in proc.stderr and "Traceback" not in proc.stderr


def test_state_level_leaves_out_what_the_provider_observes() -> None:
    """How many versions a model holds differs between environments by nature (dev registers more): it is
    not a parity difference; the model's description is."""
    def doc(env: str, versions: int) -> dict[str, object]:
        model = {"address": 'module.r.mlstrata_registered_model.this["m"]', "mode": "managed",
                 "type": "mlstrata_registered_model",
                 "values": {"name": "m", "description": "d", "version_count": versions, "registry_id": f"x-{env}"}}
        return {"values": {"root_module": {"child_modules": [{"resources": [model]}]}}}

    dev, prod = state_values(doc("dev", 7), "base", "dev"), state_values(doc("prod", 0), "base", "prod")
    assert not any(k.endswith("version_count") for k in dev) and any(k.endswith(".description") for k in dev)
    assert set(dev) == set(prod)


def test_the_tables_fold_long_names_in_an_80_column_terminal(tmp_path: Path) -> None:
    """`artifact_stores.checkpoints` in an 80-column terminal read `artifact_stores.checkpoin…`: cells fold."""
    from io import StringIO

    from rich.console import Console

    from mlstrata.views.parity import differences_table, matrix_table

    spec = (Path(__file__).resolve().parents[2] / "examples" / "aws" / "platform.yaml").read_text()
    report = _report(spec, tmp_path, ["dev", "staging", "prod"])
    out = StringIO()
    console = Console(file=out, width=80, no_color=True)
    console.print(matrix_table(report))
    console.print(differences_table(report))
    text = out.getvalue()
    assert "…" not in text and max(len(line) for line in text.splitlines()) <= 80
    assert "│ artifact_stores.checkpo" in text
