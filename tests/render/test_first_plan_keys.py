"""Every rendered root plans on a first apply: no `for_each` over a set of values created in the same run.

Terraform refuses a set-valued for_each with a member known only after apply ("Invalid for_each argument",
https://developer.hashicorp.com/terraform/language/meta-arguments/for_each#limitations-on-values-used-in-for_each;
the case of a principal created with the same apply: Azure/terraform-azurerm-avm-res-keyvault-vault#29,
Azure/terraform-azurerm-aks#410). Ids created in the run reach modules as maps with keys fixed at render time.
"""

from __future__ import annotations

import posixpath

import pytest
from support.plan_known import unknown_instance_keys
from support.rendered import example_tree


def _roots(files: dict[str, str]) -> list[str]:
    return sorted({posixpath.dirname(p) for p in files
                   if p.endswith(".tf") and p.startswith(("live/", "bootstrap/"))})


@pytest.mark.parametrize("target", ["aws", "gcp", "azure"])
def test_set_valued_for_each_is_known_when_a_first_apply_plans(target: str) -> None:
    files = example_tree(target)
    roots = _roots(files)
    assert len(roots) >= 6, roots
    found = [f"{root}: {where}" for root in roots for where in unknown_instance_keys(files, root)]
    assert found == []


def test_the_judgement_catches_a_created_id_and_passes_a_fixed_key_map() -> None:
    """The old azure model_registry call (a kubelet object id in a list turned into a set) is caught; the same id
    as the value of a map with a fixed key, and ids from data sources and literals, are not."""
    module = {"modules/m/main.tf": 'resource "x_role" "a" {\n  for_each = toset(var.ids)\n  principal = each.value\n}\n'
                                   'resource "x_role" "b" {\n  for_each = var.named\n  principal = each.value\n}\n'}
    old = {"live/e/base/main.tf": 'module "m" {\n  source = "../../../modules/m"\n'
                                  "  ids    = [module.cluster.kubelet_object_id]\n"
                                  "  named  = { kubelet = module.cluster.kubelet_object_id }\n}\n", **module}
    assert unknown_instance_keys(old, "live/e/base") == [
        "modules/m/main.tf:2: resource x_role.a for_each = toset(var.ids)"]
    known = {"live/e/base/main.tf": 'module "m" {\n  source = "../../../modules/m"\n'
                                    '  ids    = ["aaaa", data.azurerm_client_config.current.object_id]\n}\n', **module}
    assert unknown_instance_keys(known, "live/e/base") == []
    # through a module inside a module, and through a local
    nested = {"live/e/base/main.tf": 'module "outer" {\n  source = "../../../modules/outer"\n'
                                     "  id     = azurerm_user_assigned_identity.x.principal_id\n}\n",
              "modules/outer/main.tf": 'locals {\n  ids = [var.id]\n}\nmodule "m" {\n  source = "../m"\n'
                                       "  ids    = local.ids\n}\n", **module}
    assert unknown_instance_keys(nested, "live/e/base") == [
        "modules/m/main.tf:2: resource x_role.a for_each = toset(var.ids)"]
