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
