"""The rendering model's look-ups: what a built Block sets, without peeking into its items."""

from __future__ import annotations

import pytest

from mlstrata.hcl.write import Blank, Block, Comment, Expr, module_call, render_file


def test_a_block_says_which_attributes_it_sets_and_their_values() -> None:
    call = module_call("kms", "kms_key", project_id="p", c1=Comment("why"), labels={"a": "b"})
    call.add(Blank()).add(Block("lifecycle").attr("prevent_destroy", True))
    assert call.has("source") and call.has("project_id") and call.has("labels")
    assert call.value("source") == "../../../modules/kms_key"
    assert call.value("labels") == {"a": "b"}
    # a nested block, a comment or a blank line is not an attribute
    assert not call.has("lifecycle") and not call.has("prevent_destroy") and not call.has("depends_on")
    with pytest.raises(KeyError):
        call.value("depends_on")
    call.attr("depends_on", Expr("[module.project_services]"))
    assert call.has("depends_on") and call.value("depends_on") == "[module.project_services]"
    assert "depends_on = [module.project_services]" in render_file([call], "h")


def test_an_attribute_set_to_null_is_set() -> None:
    block = Block("locals").attr("x", None)
    assert block.has("x") and block.value("x") is None
    assert "x = null" in render_file([block], "h")
