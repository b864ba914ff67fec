"""GPU pools on AWS: the taints a pool declares and nothing else, EFA interfaces per instance type."""

from __future__ import annotations

from pathlib import Path

from mlstrata.hcl import parse_text
from mlstrata.hcl.model import Block
from mlstrata.render.tree import render_tree
from mlstrata.spec.load import load_text
from mlstrata.targets.registry import TARGETS

REPO = Path(__file__).resolve().parents[2]
AWS_EXAMPLE = REPO / "examples" / "aws" / "platform.yaml"

_POOL = """\
  extra:
    instance_types: [g6e.xlarge]
    scaling: { min: 0, max: 2, desired: autoscaler }
"""


def _pool(spec: str, name: str, env: str = "prod") -> Block:
    tree = render_tree(load_text(spec, targets=TARGETS))
    blocks = parse_text(tree.files[f"live/{env}/base/main.tf"], "main.tf").body.blocks
    (block,) = [b for b in blocks if b.type == "module" and b.labels == [f"gpu_pool_{name}"]]
    return block


def _with_pool(extra: str) -> str:
    spec = AWS_EXAMPLE.read_text()
    return spec.replace("\ngpu_pools:\n", "\ngpu_pools:\n" + extra, 1)


def test_an_undeclared_taint_is_the_gpu_taint_and_the_system_pool_stays_untainted() -> None:
    """#12 item 3: every pool tainted and no untainted capacity left CoreDNS Pending. GPU pools keep the
    standard GPU taint when they declare none (EKS: taint GPU nodes so pods without a toleration stay off,
    https://docs.aws.amazon.com/eks/latest/userguide/node-taints-managed-node-groups.html; check rule MLS004),
    `[]` opts out, a declared taint replaces it, and the system node group carries none."""
    gpu = [{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}]
    assert _pool(_with_pool(_POOL), "extra").body.attributes["taints"].value == gpu
    assert _pool(_with_pool(_POOL + "    taints: []\n"), "extra").body.attributes["taints"].value == []
    declared = _POOL + "    taints: [{ key: dedicated, value: batch, effect: NoExecute }]\n"
    assert _pool(_with_pool(declared), "extra").body.attributes["taints"].value == [
        {"key": "dedicated", "value": "batch", "effect": "NO_EXECUTE"}]
    cluster = (REPO / "src" / "mlstrata" / "terraform" / "modules" / "aws" / "eks_cluster" / "main.tf").read_text()
    system = cluster[cluster.index('resource "aws_eks_node_group" "system"'):]
    assert "taint" not in system[:system.index("\n}\n")]
