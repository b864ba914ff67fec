"""Fuzz the plan decoder and what reads its result: real plans with values swapped for other JSON types,
keys dropped, deep or huge values, and random bytes all end in a review and a cost delta, or in one
diagnostic; never an exception, never a hang."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import orjson
from fuzz_support import run_fuzz
from hypothesis import strategies as st

from mlstrata.cost.estimate import plan_delta
from mlstrata.diagnostics import Diagnostic, DiagnosticsError
from mlstrata.plan import decode_plan
from mlstrata.pricing import PriceBook, load_catalog
from mlstrata.review.gate import review_files

TESTDATA = Path(__file__).resolve().parents[1] / "testdata"
REVIEW_TREE = TESTDATA / "review" / "aws"
SEED_FILES = [REVIEW_TREE / "live" / "prod" / "ml" / ".mlstrata" / "plan.json", TESTDATA / "pricing" / "plan_aws.json",
              *sorted((TESTDATA / "engine" / "plans" / "1.15.5").glob("*.json"))]
SEEDS = [orjson.loads(p.read_bytes()) for p in SEED_FILES]
BOOK = PriceBook(load_catalog(TESTDATA / "pricing" / "catalog_small.json"))

JSON_LEAVES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                        st.text(max_size=10), st.sampled_from([10**400, -(10**30), "", "delete", "create"]))
JSON_VALUES = st.recursive(JSON_LEAVES, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)), max_leaves=12)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _paths(v, (*prefix, i))
    return out


def _set(doc: Any, path: tuple[Any, ...], value: Any, delete: bool) -> Any:
    if not path:
        return value
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    if delete and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return doc


@st.composite
def mutated_plan(draw: st.DrawFn) -> bytes:
    doc = orjson.loads(orjson.dumps(draw(st.sampled_from(SEEDS))))
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(doc)
        # half the time an attribute value (what the provider defines, so anything goes and must be read
        # safely), else the structure Terraform defines (near the root), which the decoder must check
        values = [p for p in paths if len(p) >= 5 and p[2] == "change"
                  and p[3] in ("before", "after", "after_unknown", "before_sensitive", "after_sensitive")]
        structure = [p for p in paths if len(p) <= 5]
        path = draw(st.sampled_from(values if values and draw(st.booleans()) else structure))
        value = draw(st.one_of(JSON_VALUES, st.sampled_from([[["a"]], ["x"], 5, {"actions": "create"}])))
        doc = _set(doc, path, value, draw(st.booleans()))
    return json.dumps(doc).encode()


@st.composite
def deep_plan(draw: st.DrawFn) -> bytes:
    depth = draw(st.integers(1, 3000))
    inner = "[" * depth + "]" * depth
    return ('{"format_version": "1.2", "resource_changes": [{"address": "a.b", "mode": "managed", "type": "a",'
            f' "name": "b", "change": {{"actions": ["create"], "after": {{"x": {inner}}}}}}}]}}').encode()


PLANS = st.one_of(mutated_plan(), mutated_plan(), mutated_plan(), deep_plan(), st.binary(max_size=100),
                  JSON_VALUES.map(lambda v: json.dumps(v).encode()))


def test_fuzz_plan_decoder_review_and_cost(tmp_path: Path) -> None:
    tree = tmp_path / "aws"
    shutil.copytree(REVIEW_TREE, tree)
    plan_file = tree / "live" / "prod" / "ml" / ".mlstrata" / "plan.json"

    def one(data: bytes) -> list[Diagnostic]:
        plan, problems = decode_plan(data, "fuzz.json")
        if plan is None:
            raise DiagnosticsError(problems)
        rows = [(rc.address, rc.type, rc.action.value, rc.before, rc.after) for rc in plan.changes]
        _, found = plan_delta(rows, BOOK, "aws", "us-east-1")
        plan_file.write_bytes(data)
        reviews, problems = review_files([plan_file], book=BOOK)
        assert problems == [] and len(reviews) == 1
        return [*found, *reviews[0].findings]

    run_fuzz(PLANS, one)


# Every attribute the seed plans hold, at any depth, swapped for each other JSON type in turn: what the random
# fuzzer finds one case in thousands (a list where a block list was, a number where a list was), this finds
# exhaustively. One case per (resource type, side, attribute path with list indices folded, replacement).
CONFUSIONS: list[Any] = [7, "x", [7], {"k": 7}, None, True, 10**400]


def _shape(doc: dict[str, Any], path: tuple[Any, ...]) -> tuple[Any, ...]:
    rc = doc["resource_changes"][path[1]]
    return (rc.get("type"), path[3], *("[]" if isinstance(p, int) else p for p in path[4:]))


def _confusions() -> list[tuple[int, tuple[Any, ...], int]]:
    cases, seen = [], set()
    for s, seed in enumerate(SEEDS):
        for path in _paths(seed):
            if len(path) >= 5 and path[0] == "resource_changes" and path[2] == "change" and path[3] in (
                    "before", "after"):
                shape = _shape(seed, path)
                for c in range(len(CONFUSIONS)):
                    if (shape, c) not in seen:
                        seen.add((shape, c))
                        cases.append((s, path, c))
    return cases


def test_every_plan_value_of_the_wrong_type_is_read_safely(tmp_path: Path) -> None:
    tree = tmp_path / "aws"
    shutil.copytree(REVIEW_TREE, tree)
    plan_file = tree / "live" / "prod" / "ml" / ".mlstrata" / "plan.json"
    cases = _confusions()
    assert len(cases) > 400  # the seeds really have that many distinct attribute shapes
    crashed = []
    for s, path, c in cases:
        doc = _set(orjson.loads(orjson.dumps(SEEDS[s])), path, CONFUSIONS[c], delete=False)
        data = json.dumps(doc).encode()
        try:
            plan, _ = decode_plan(data, "confused.json")
            if plan is None:
                continue
            rows = [(rc.address, rc.type, rc.action.value, rc.before, rc.after) for rc in plan.changes]
            plan_delta(rows, BOOK, "aws", "us-east-1")
            plan_file.write_bytes(data)
            review_files([plan_file], book=BOOK, all_resources=True)
        except Exception as exc:  # collect every crash, report them all at once
            crashed.append(f"{SEED_FILES[s].name} {'.'.join(map(str, path))} = {CONFUSIONS[c]!r:.20}: {exc!r}")
    assert crashed == []
