"""What one evaluation of a module binds its variables to (rules/context.py)."""

from __future__ import annotations

from mlstrata.diagnostics import Where
from mlstrata.hcl import UNKNOWN, parse_text
from mlstrata.hcl.evaluate import Bound
from mlstrata.rules.context import Bindings
from mlstrata.rules.model import build_module


def test_given_values_win_over_defaults_which_are_made_only_when_read() -> None:
    parsed = parse_text(
        """variable "a" {
  default = 1
}

variable "b" {
  default = "x-${var.a}"
}

variable "c" {}

variable "d" {
  default = ["l"]
}
""",
        "/m/variables.tf",
    )
    view = build_module("/m", [parsed], [], [])
    given = {"d": Bound(["given"], Where("caller.tf", 7, 3)), "extra": Bound(5, Where("terraform.tfvars", 1, 1))}
    bindings = Bindings(view.variables, given)
    assert bindings.get("a") == Bound(1, Where("/m/variables.tf", 2, 3))  # a literal default, at its line
    assert bindings.get("b") == Bound(UNKNOWN, Where("/m/variables.tf", 6, 3))  # not literal: unknown
    assert bindings.get("c") is None and "c" not in bindings  # no default, not given
    assert bindings["d"] is given["d"] and bindings.get("extra") is given["extra"]  # tfvars may name any variable
    assert list(bindings) == ["a", "b", "d", "extra"] and len(bindings) == 4


class _Walks(list):  # type: ignore[type-arg]
    """A list that counts how often it is walked."""

    walks = 0

    def __iter__(self):  # type: ignore[no-untyped-def]
        type(self).walks += 1
        return super().__iter__()


def test_instances_of_types_a_module_lacks_walk_nothing() -> None:
    """Rules ask for the instances of types most modules lack (GKE pools of an AWS module); the module's types are
    indexed (ModuleView.types), so such a question walks none of its resources. Failed before: every question
    walked them all."""
    from mlstrata.rules.context import ModuleContext

    parsed = parse_text('resource "aws_s3_bucket" "a" {}\ndata "aws_iam_policy_document" "p" {}\n', "/m/main.tf")
    view = build_module("/m", [parsed], [], [])
    view.resources = _Walks(view.resources)
    view.data = _Walks(view.data)
    ctx = ModuleContext(view, "module", None)
    assert ctx.instances(("resource",), "google_container_node_pool") == []
    assert ctx.instances(("resource", "data"), "azurerm_kubernetes_cluster", "google_storage_bucket") == []
    assert _Walks.walks == 0
    assert [i.address for i in ctx.instances(("resource", "data"), "aws_s3_bucket", "aws_iam_policy_document")] == [
        "aws_s3_bucket.a", "data.aws_iam_policy_document.p"]
    assert [i.address for i in ctx.instances(("resource",), "aws_s3_bucket")] == ["aws_s3_bucket.a"]
    assert _Walks.walks == 1  # a type it has: its resources are walked
    assert view.types == {"aws_s3_bucket", "aws_iam_policy_document"}
