"""checkov evaluates the key checks on every resource the rendered trees have, in every environment.

A scanner that silently skips resources passes any allowlist: this counts, per environment, the resources of a
key check's type that the tree declares (root modules and the local modules they call, followed with our own
HCL reader) and fails when checkov reports that check on fewer of them (tests/support/checkov.py says how it
under-evaluated before)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from support.checkov import CheckResult, scan

from mlstrata.hcl.reader import parse_file
from mlstrata.render.tree import render_tree, write_tree
from mlstrata.rules.model import ModuleView, build_module
from mlstrata.spec.load import load_spec
from mlstrata.targets.registry import TARGETS

REPO = Path(__file__).resolve().parents[2]

# example spec -> (check id, resource type): storage encryption/replication, cluster and GPU-pool settings
KEY_CHECKS = {
    "aws": ("examples/aws/platform.yaml",
            [("CKV_AWS_145", "aws_s3_bucket"), ("CKV_AWS_58", "aws_eks_cluster")]),
    "gcp": ("examples/gcp/platform.yaml",
            [("CKV_GCP_78", "google_storage_bucket"), ("CKV_GCP_1", "google_container_cluster")]),
    "azure": ("examples/azure/platform.yaml",
              [("CKV_AZURE_206", "azurerm_storage_account"),
               ("CKV_AZURE_227", "azurerm_kubernetes_cluster_node_pool")]),
}


def _module(directory: Path) -> ModuleView:
    files = [parse_file(p) for p in sorted(directory.glob("*.tf"))]
    return build_module(str(directory), files, [], [])


def declared(root: Path, rtype: str) -> int:
    """Resource blocks of `rtype` in a root module and, through local module calls, the modules it calls."""
    view = _module(root)
    count = len(view.resources_of(rtype))
    for call in view.calls:
        source = call.attr("source")
        if source is not None and isinstance(source.value, str) and source.value.startswith("."):
            count += declared((root / source.value).resolve(), rtype)
    return count


@pytest.fixture(scope="module", params=sorted(KEY_CHECKS))
def scanned(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, run_dir: Path
            ) -> tuple[str, Path, list[CheckResult]]:
    cloud = request.param
    tree = tmp_path_factory.mktemp(cloud) / "infra"
    write_tree(render_tree(load_spec(REPO / KEY_CHECKS[cloud][0], targets=TARGETS)), tree)
    return cloud, tree, scan(tree, cache=run_dir / "checkov")  # the GCP and Azure allowlist tests scan these too


@pytest.mark.slow
def test_key_checks_are_evaluated_on_every_resource_of_every_environment(
        scanned: tuple[str, Path, list[CheckResult]]) -> None:
    cloud, tree, results = scanned
    envs = sorted(p.name for p in (tree / "live").iterdir())
    for check, rtype in KEY_CHECKS[cloud][1]:
        # checkov names no caller for a nested module's resources (AWS buckets: artifact store -> s3_bucket):
        # those count for the environment whose scan reported them (bootstrap's state bucket among them); a
        # module directory scanned on its own (address without `module.`) counts for none
        evaluated = Counter((r.env if r.caller else r.scanned) for r in
                            {(r.env, r.caller, r.scanned if not r.caller else "", r.resource): r for r in results
                             if r.check == check and r.resource.split(".")[-2] == rtype
                             and (r.caller or r.resource.startswith("module."))}.values())
        for env in envs:
            expected = sum(declared(unit, rtype) for unit in sorted((tree / "live" / env).iterdir()))
            assert expected > 0, f"{cloud}/{env}: the tree declares no {rtype}: pick another key check"
            assert evaluated[env] >= expected, (
                f"{cloud}/{env}: checkov evaluated {check} on {evaluated[env]} of {expected} {rtype} resources: "
                "it skipped some silently (tests/support/checkov.py)")
