"""`mlstrata check` on rendered GCP trees: clean, and its GKE rules see values passed from the live roots."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mlstrata.diagnostics import Severity
from mlstrata.render.tree import render_tree, write_tree
from mlstrata.rules.runner import run_check
from mlstrata.rules.spec_facts import spec_facts
from mlstrata.spec.load import load_spec
from mlstrata.targets.registry import TARGETS

REPO = Path(__file__).resolve().parents[2]
SPECS = {"gcp-example": REPO / "examples" / "gcp" / "platform.yaml",
         "gcp-variety": REPO / "tests" / "testdata" / "render" / "gcp-variety" / "spec.yaml"}


@pytest.mark.parametrize("case", sorted(SPECS))
def test_rendered_gcp_tree_passes_check(tmp_path: Path, case: str) -> None:
    spec = load_spec(SPECS[case], targets=TARGETS)
    write_tree(render_tree(spec), tmp_path / "infra")
    result = run_check([tmp_path / "infra"], spec=spec_facts(spec), workers=1)
    serious = [d for d in result.findings if d.severity in (Severity.ERROR, Severity.WARNING)]
    assert not serious, "\n".join(d.headline() for d in serious)


def test_gke_rules_follow_values_from_the_live_root(tmp_path: Path) -> None:
    spec = load_spec(SPECS["gcp-variety"], targets=TARGETS)
    out = tmp_path / "infra"
    write_tree(render_tree(spec), out)
    main = out / "live" / "dev" / "base" / "main.tf"
    text = main.read_text(encoding="utf-8")
    # The t4 pool switches GKE's driver installation off; nothing else installs a driver.
    text, n = re.subn(r'(module "gpu_pool_t4" \{.*?gpu_driver_version\s+= )"LATEST"', r'\1"INSTALLATION_DISABLED"',
                      text, count=1, flags=re.DOTALL)
    assert n == 1
    # ... and the spot pool loses its taints.
    text, n = re.subn(r'(module "gpu_pool_t4" \{.*?taints = )\[.*?\n  \]', r"\1[]", text, count=1, flags=re.DOTALL)
    assert n == 1
    main.write_text(text, encoding="utf-8")
    result = run_check([out], spec=spec_facts(spec), workers=1, select={"MLS040", "MLS042"})
    got = sorted((d.code, Path(d.where.file).name if d.where else "") for d in result.findings)
    assert ("MLS040", "main.tf") in got and ("MLS042", "main.tf") in got, got
    assert all("live/dev/base" in (d.where.file if d.where else "") for d in result.findings), [
        d.headline() for d in result.findings]


def test_gpu_ceiling_counts_terraform_owned_gke_pools_per_zone(tmp_path: Path) -> None:
    # google_container_node_pool's node_count is "the number of nodes per instance group", one instance group per
    # zone of node_locations (registry.terraform.io/providers/hashicorp/google/latest/docs/resources/
    # container_node_pool#node_count; GKE API NodePool.locations): 2 per zone in prod's zones b and c is 4 nodes.
    text = SPECS["gcp-variety"].read_text(encoding="utf-8")
    text, n = re.subn(r"prod: \{ account: lab-ml-prod, ", "prod: { account: lab-ml-prod, max_gpu_nodes_per_pool: 6, ",
                      text)
    assert n == 1
    (tmp_path / "platform.yaml").write_text(text, encoding="utf-8")
    spec = load_spec(tmp_path / "platform.yaml", targets=TARGETS)
    out = tmp_path / "infra"
    write_tree(render_tree(spec), out)
    main = out / "live" / "prod" / "base" / "main.tf"
    clean = run_check([out], spec=spec_facts(spec), workers=1, select={"MLS003"})
    assert not clean.findings, [d.headline() for d in clean.findings]
    # The t4 pool (autoscaled between 0 and 6) handed to Terraform at 4 per zone in its two zones: 8 nodes.
    rendered = main.read_text(encoding="utf-8")
    edited, n = re.subn(r'(module "gpu_pool_t4" \{.*?)node_count_owner            = "autoscaler"\n'
                        r"  initial_node_count_per_zone = 0\n",
                        r'\1node_count_owner            = "terraform"\n  node_count_per_zone         = 4\n',
                        rendered, count=1, flags=re.DOTALL)
    assert n == 1
    main.write_text(edited, encoding="utf-8")
    result = run_check([out], spec=spec_facts(spec), workers=1, select={"MLS003"})
    got = [(d.where.file, d.where.line, d.summary) for d in result.findings if d.where is not None]
    line = edited.splitlines().index("  node_count_per_zone         = 4") + 1
    assert got == [(str(main), line, "node_count 4 per zone x 2 zones = 8 GPU nodes exceeds the prod "
                    "ceiling of 6")], got
