"""What each target offers the spec has one home (`mlstrata.targets.offers`, a data-only module per target): the
spec's checks read it there and branch on no target name; the offers name every target and only values the spec
accepts."""

from __future__ import annotations

import ast
import typing
from pathlib import Path

from mlstrata.spec.models import (
    ClusterSpec,
    OnlineStore,
    PipelinesSpec,
    ServingEngine,
    StateSpec,
    TargetName,
)
from mlstrata.targets.offered import offered_by, offers
from mlstrata.targets.registry import TARGETS

SPEC = Path(__file__).resolve().parents[2] / "src" / "mlstrata" / "spec"
TARGET_NAMES = set(typing.get_args(TargetName))


def _literal(model: type, field: str) -> set[str]:
    return set(typing.get_args(model.model_fields[field].annotation))  # type: ignore[attr-defined]


def test_every_target_has_offers_and_only_the_registered_ones() -> None:
    assert set(offers()) == set(TARGETS) == TARGET_NAMES


def test_offers_name_only_what_the_spec_accepts_and_everything_it_accepts_is_offered_somewhere() -> None:
    accepted = {
        "state_backends": _literal(StateSpec, "backend"),
        "serving_engines": set(typing.get_args(ServingEngine)),
        "online_stores": set(typing.get_args(OnlineStore)),
        "orchestrators": _literal(PipelinesSpec, "orchestrator"),
        "autoscalers": _literal(ClusterSpec, "autoscaler"),
    }
    for what, values in accepted.items():
        offered = {v for o in offers().values() for v in (getattr(o, what) or ())}
        assert offered == values, what
    assert offered_by("orchestrators", "sagemaker") == ["aws"]
    assert offered_by("autoscalers", "karpenter") == ["aws"]
    assert [t for t, o in offers().items() if o.tpu_pools] == ["gcp"]
    assert offers()["local"].orchestrators is None  # the local target renders no orchestrator: none is checked


def test_the_spec_checks_branch_on_no_target_name() -> None:
    """`platform.target == "gcp"`-style branches and per-target tables were the spec holding target facts."""
    found = []
    for path in sorted(SPEC.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Compare) and any(
                    isinstance(c, ast.Constant) and c.value in TARGET_NAMES for c in [node.left, *node.comparators]):
                found.append(f"{path.name}:{node.lineno}")
            if isinstance(node, ast.Dict) and {k.value for k in node.keys if isinstance(k, ast.Constant)} \
                    >= TARGET_NAMES:
                found.append(f"{path.name}:{node.lineno} (a table by target)")
    assert found == []


def test_a_target_with_one_state_backend_reads_it_from_its_offers() -> None:
    """A cloud target's code compares `state.backend` with no backend name of its own (`!= "s3"`): which backends
    it takes is its offers' fact (`OFFERS.state_backends`). The local target, which offers several and renders
    each differently, branches on them by name."""
    found = []
    for target in sorted(t for t, o in offers().items() if len(o.state_backends) == 1):
        for path in sorted((SPEC.parent / "targets" / target).glob("*.py")):
            if path.name == "offers.py":
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Compare) and any(
                        isinstance(c, ast.Attribute) and c.attr == "backend" for c in [node.left, *node.comparators]) \
                        and any(isinstance(c, ast.Constant) and isinstance(c.value, str)
                                for c in [node.left, *node.comparators]):
                    found.append(f"{target}/{path.name}:{node.lineno}")
    assert found == []
