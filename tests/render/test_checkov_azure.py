"""checkov finds nothing on the rendered Azure example beyond the reasoned, environment-scoped allowlist.

One checkov run is shared by the tests of this module; the helpers are the AWS test's."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from support.checkov import checkov_binary, failed, scan
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


def test_checkov_has_no_managed_redis_check_so_our_own_checks_carry_it() -> None:
    """checkov (3.3.30) checks Azure Cache for Redis (non-TLS port, TLS version, public access, replication) but has
    no check for azurerm_managed_redis, the Feast online store since Azure Cache for Redis was retired: the scan
    of the rendered tree passes it silently. What those checks would hold is asserted on the module instead
    (tests/targets/test_services_azure.py: public access off, TLS only, keys off, private endpoint) and by MLS046
    (a plaintext client protocol). If checkov gains such checks this fails: run them on the tree and allowlist
    any finding with its reason."""
    python = Path(checkov_binary()).parent / "python"
    probe = ("from checkov.terraform.checks.resource.registry import resource_registry as r\n"
             "import checkov.terraform.checks.resource.azure\n"
             "print(','.join(sorted(c.id for c in r.get_checks('azurerm_managed_redis'))))\n"
             "print(','.join(sorted(c.id for c in r.get_checks('azurerm_redis_cache'))))\n")
    out = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[1], "checkov lists no Azure Cache for Redis check either: the probe did not load the Azure checks"
    assert out[0] == "", f"checkov now checks azurerm_managed_redis ({out[0]}): scan and allowlist, then update"
