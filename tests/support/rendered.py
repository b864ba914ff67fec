"""Reading rendered roots in tests: the blocks of one kind in a rendered file, by their last label; a
target's example spec, its rendered tree and its module library."""

from __future__ import annotations

from pathlib import Path

from mlstrata.hcl import parse_text
from mlstrata.hcl.model import Block
from mlstrata.render.tree import render_tree
from mlstrata.spec.load import load_spec
from mlstrata.targets.registry import TARGETS

REPO = Path(__file__).resolve().parents[2]


def blocks(text: str, kind: str) -> dict[str, Block]:
    """`module`/`output`/... blocks of `text` keyed by their last label (the module or output name)."""
    return {b.labels[-1]: b for b in parse_text(text, "x.tf").body.blocks if b.type == kind}


def example_spec(target: str) -> Path:
    """examples/<target>/platform.yaml."""
    return REPO / "examples" / target / "platform.yaml"


def modules_dir(target: str) -> Path:
    """The target's module library in the source tree."""
    return REPO / "src" / "mlstrata" / "terraform" / "modules" / target


def example_tree(target: str) -> dict[str, str]:
    """Every file the target's example renders, by relative path."""
    return render_tree(load_spec(example_spec(target), targets=TARGETS)).files


def unrendered(target: str) -> list[str]:
    """What loading the target's example says it does not render (services, orchestrator): none expected."""
    loaded = load_spec(example_spec(target), targets=TARGETS)
    return [d.summary for d in loaded.warnings if d.code in ("spec.not_rendered", "spec.orchestrator")]
