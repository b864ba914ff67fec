"""checkov finds nothing on the rendered Azure example beyond the reasoned, environment-scoped allowlist.

One checkov run is shared by the tests of this module; the helpers are the AWS test's."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.checkov import failed, scan
from test_checkov import allowed, load_allowlist

from mlstrata.render.tree import render_tree, write_tree
from mlstrata.spec.load import load_spec
from mlstrata.targets.registry import TARGETS

REPO = Path(__file__).resolve().parents[2]
ALLOWLIST = REPO / "tests" / "checkov_allowlist_azure.yaml"


@pytest.fixture(scope="module")
def findings(tmp_path_factory: pytest.TempPathFactory, run_dir: Path) -> list[dict[str, str]]:
    out = tmp_path_factory.mktemp("azure") / "infra"
    write_tree(render_tree(load_spec(REPO / "examples" / "azure" / "platform.yaml", targets=TARGETS)), out)
    # per environment, at 12 render iterations (why: tests/support/checkov.py)
    return failed(scan(out, cache=run_dir / "checkov"))  # the coverage test scans the same tree


@pytest.mark.slow
def test_rendered_azure_tree_is_checkov_clean(findings: list[dict[str, str]]) -> None:
    allow = load_allowlist(ALLOWLIST)
    assert findings, "checkov reported nothing at all: the scan did not run on the tree"
    unexpected = [f for f in findings if not any(allowed(f, a) for a in allow)]
    assert not unexpected, "checkov findings not in the allowlist:\n" + "\n".join(
        f"{f['check']} {f['resource']} [{f['env']}] ({f['file']}): {f['name']}" for f in unexpected)
    unused = [a for a in allow if not any(allowed(f, a) for f in findings)]
    assert not unused, f"allowlist entries that no longer match anything (remove them): {unused}"


def test_azure_allowlist_does_not_cover_protected_environments() -> None:
    """A prod cluster with a public API server, prod storage without geo-redundancy or a public prod Service
    Bus namespace is never allowlisted."""
    allow = load_allowlist(ALLOWLIST)
    for check, resource in (("CKV_AZURE_115", "module.cluster.azurerm_kubernetes_cluster.this"),
                            ("CKV_AZURE_206", "module.artifacts_datasets.azurerm_storage_account.this"),
                            ("CKV_AZURE_204", "module.pipeline_queue.azurerm_servicebus_namespace.this")):
        prod = {"check": check, "resource": resource, "env": "prod"}
        assert not any(allowed(prod, a) for a in allow)
        assert any(allowed({**prod, "env": "dev"}, a) for a in allow)
