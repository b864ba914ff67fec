"""The evaluator: known where Terraform's value is well defined, UNKNOWN everywhere else."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from mlstrata.diagnostics import Where
from mlstrata.engine.runners import EmbeddedTerraform
from mlstrata.hcl import UNKNOWN, parse_text
from mlstrata.hcl.evaluate import Bound, Evaluator

LOCALS = parse_text(
    """
locals {
  capacity_block = var.capacity_type == "CAPACITY_BLOCK"
  types          = local.capacity_block ? null : var.instance_types
  loop_a         = local.loop_b
  loop_b         = local.loop_a
}
""",
    "locals.tf",
)


def evaluator(**values: object) -> Evaluator:
    variables = {k: Bound(v, Where("caller.tf", i + 1)) for i, (k, v) in enumerate(values.items())}  # type: ignore[arg-type]
    locals_ = {name: attr for block in LOCALS.body.blocks for name, attr in block.body.attributes.items()}
    return Evaluator(variables, locals_)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ('"${var.name}-gpu"', "ml-gpu"),
        ("var.max + 1", 5),
        ("(var.max + 1) * 2", 10),
        ("-var.max", -4),
        ("var.max > 3 && !false", True),
        ('var.name == "ml" ? 1 : 0', 1),
        ("var.map.a", 1),
        ('var.map["b"][1]', 3),
        ("var.list.0", "x"),
        ("var.objs[*].k", [1, 2]),
        ('[for s in var.list : upper(s) if s != "y"]', ["X"]),
        ('{ for k, v in var.map : k => v if k == "a" }', {"a": 1}),
        ("length(var.list)", 2),
        ("merge(var.map, { c = 4 })", {"a": 1, "b": [2, 3], "c": 4}),
        ('format("%s-%d", var.name, var.max)', "ml-4"),
        ('try(var.map.missing, "fallback")', "fallback"),
        ('jsonencode({ Action = "*" })', {"Action": "*"}),
        ('contains(var.list, "y")', True),
        ('coalesce(null, "", "z")', "z"),
        ('toset(["b", "a", "b"])', ["a", "b"]),
        ("local.types", ["p5.48xlarge"]),
    ],
)
def test_known_values(expr: str, expected: object) -> None:
    ev = evaluator(
        name="ml",
        max=4,
        map={"a": 1, "b": [2, 3]},
        list=["x", "y"],
        objs=[{"k": 1}, {"k": 2}],
        capacity_type="ON_DEMAND",
        instance_types=["p5.48xlarge"],
    )
    assert ev.text(expr) == expected


@pytest.mark.parametrize(
    "expr",
    [
        "aws_s3_bucket.this.id",  # read from a resource
        "var.undeclared",
        "each.value",
        "terraform.workspace",
        'file("policy.json")',
        'aws_s3_bucket.x.id == "" ? 1 : 2',  # an unknown condition picks no branch
        "local.loop_a",  # a cycle
        "var.max +",  # not an expression
        'regex("a", var.name)',  # unsupported function
    ],
)
def test_unknown_values(expr: str) -> None:
    assert evaluator(max=4, name="ml").text(expr) is UNKNOWN


def test_unknown_condition_with_equal_branches_is_known() -> None:
    assert evaluator().text('aws_s3_bucket.x.id == "" ? 1 : 1') == 1


def test_short_circuit_on_known_side() -> None:
    ev = evaluator(on=False)
    assert ev.text('var.on && aws_s3_bucket.x.id == ""') is False
    assert ev.text('!var.on || aws_s3_bucket.x.id == ""') is True


def test_origins_record_where_variables_came_from() -> None:
    ev = evaluator(capacity_type="ON_DEMAND", instance_types=["g6.xlarge"])
    attr = LOCALS.body.blocks[0].body.attributes["types"]
    assert ev.value(attr) == ["g6.xlarge"]
    assert Where("caller.tf", 2) in ev.origins and Where("caller.tf", 1) in ev.origins


def test_heredoc_with_interpolation() -> None:
    assert evaluator(name="ml").text("<<-EOT\n    hello ${var.name}\n      x\n    EOT") == "hello ml\n  x\n"


@pytest.mark.parametrize(
    "expr",
    [
        "var.max", "var.map.a", "var.map.b", "var.map.missing", "var.name.length", "var.missing", "var.a-b",
        "local.types", "local.capacity_block", "local.loop_a", "local.nope.x", "aws_iam_role.this.arn",
        "data.aws_iam_policy_document.this.json", "module.vpc.private_subnets", "each.value.name", "count.index",
        "path.module", "s.name", "s.missing", "var.max-1",
    ],
)
def test_dotted_names_are_evaluated_without_parsing_as_the_parser_would(expr: str) -> None:
    """`var.x.y` and other name.attr.attr expressions skip the parser (evaluate.py `_DOTTED`); value and origins
    must be what walking the parsed expression gives, with or without a `for` scope binding the head."""
    from mlstrata.hcl import evaluate

    assert evaluate._DOTTED.fullmatch(expr)
    for scope in (None, {"s": {"name": "n"}}):
        fast = evaluator(max=4, map={"a": 1, "b": [2, 3]}, name="ml", capacity_type="SPOT",
                         instance_types=["p5.48xlarge"], **{"a-b": "hyphen", "max-1": 9})
        slow = evaluator(max=4, map={"a": 1, "b": [2, 3]}, name="ml", capacity_type="SPOT",
                         instance_types=["p5.48xlarge"], **{"a-b": "hyphen", "max-1": 9})
        got = fast.text(expr, scope)
        src, tree = evaluate._parse_expression(expr)
        node = evaluate._expression_node(tree)
        assert node is not None
        walked = evaluate._Run(slow, src, dict(scope or {})).ev(node)
        assert got == walked and fast.origins == slow.origins, (expr, scope, got, walked)


def test_an_expression_is_remembered_only_where_it_reads_no_variable_or_local() -> None:
    """Evaluator.text remembers the value of a text that reads no variable or local for every evaluator
    (`_CONTEXT_FREE`); a text that reads one, directly, through a local or inside a function, a template or a
    `for`, is evaluated again in each evaluator, with its own values and origins."""
    from mlstrata.hcl import evaluate

    evaluate.forget_context_free()
    free = 'merge({ a = "x" }, { b = length([1, 2]) })'
    reading = ['"${var.name}-gpu"', "local.types", 'lookup(var.map, "a", 0)', "[for t in var.types : upper(t)]",
               'var.max > 3 ? "big" : "small"']
    first = evaluator(name="ml", map={"a": 1}, types=["p5"], max=4, capacity_type="SPOT", instance_types=["p5"])
    second = evaluator(name="ops", map={"a": 2}, types=["g6"], max=1, capacity_type="CAPACITY_BLOCK",
                       instance_types=["g6"])
    assert first.text(free) == {"a": "x", "b": 2}
    assert dict(evaluate._CONTEXT_FREE) == {free: {"a": "x", "b": 2}}
    got = [(first.text(e), list(first.origins)) for e in reading]
    assert got[0][0] == "ml-gpu" and got[0][1] == [Where("caller.tf", 1)]
    assert [v for v, _ in got] == ["ml-gpu", ["p5"], 1, ["P5"], "big"]
    assert [second.text(e) for e in reading] == ["ops-gpu", None, 2, ["G6"], "small"]
    assert set(evaluate._CONTEXT_FREE) == {free}  # nothing that read a variable or local was remembered
    assert second.text(free) == {"a": "x", "b": 2}
    evaluate.forget_context_free()
    assert not evaluate._CONTEXT_FREE


# Nested conditionals as Terraform reads them (right-associative: hashicorp/hcl hclsyntax/parser.go,
# parseTernaryConditional). tree-sitter-hcl 1.2.0 nests an unparenthesised `a ? 1 : b ? 2 : 3` the other way; the
# evaluator unfolds it. Real Terraform (the embedded one, `terraform console`) is the oracle for every case.
NESTED_CONDITIONALS = [
    "var.a ? 1 : var.b ? 2 : 3",
    "var.a ? 1 : var.c ? 2 : var.b ? 3 : 4",
    "var.c ? 1 : var.a ? 2 : var.b ? 3 : var.c ? 4 : 5",
    "(var.b ? var.a : var.b) ? 2 : 3",
    "var.b ? var.a ? 1 : 2 : 3",
    "var.a ? 1 : var.n == 2 ? 20 : 30",
    "var.a || var.b ? \"x\" : var.c ? \"y\" : \"z\"",
    "var.a ? 1 : (var.b ? 2 : 3)",
    "[for x in [1, 2, 3] : x == 1 ? \"one\" : x == 2 ? \"two\" : \"many\"]",
]
NESTED_VALUES = {"a": False, "b": True, "c": False, "n": 2}


def test_nested_conditionals_take_the_branch_terraform_takes(tmp_path: Path) -> None:
    config = "".join(f'variable "{k}" {{\n  default = {json.dumps(v)}\n}}\n' for k, v in NESTED_VALUES.items())
    (tmp_path / "main.tf").write_text(config)
    console = subprocess.run(
        EmbeddedTerraform().command(["console"]), cwd=tmp_path, capture_output=True, text=True, check=False,
        input=f"jsonencode([{', '.join(NESTED_CONDITIONALS)}])\n",
        env={**os.environ, "TF_CLI_CONFIG_FILE": os.devnull, "CHECKPOINT_DISABLE": "1"},
    )
    assert console.returncode == 0, console.stderr
    terraform = json.loads(json.loads(console.stdout.strip()))
    ours = [evaluator(**NESTED_VALUES).text(expr) for expr in NESTED_CONDITIONALS]
    assert ours == terraform
    assert terraform[:3] == [2, 3, 3]  # the chains really are read right to left (not a vacuous comparison)


class _Recording(dict):  # type: ignore[type-arg]
    """Variables or locals that remember which names were looked up."""

    def __init__(self, values: dict[str, object]) -> None:
        super().__init__(values)
        self.read: set[str] = set()

    def get(self, name: str, default: object = None) -> object:  # type: ignore[override]
        self.read.add(name)
        return super().get(name, default)


@pytest.mark.parametrize(
    "expr",
    [
        "var.a", "local.b.c", 'var.m["k"][0]', "var.l.0", '"${var.a}-${local.b}"', "var . a", "var.\n  a",
        "merge(local.b, { x = var.a })", "[for s in var.l : upper(s) if s != local.b]", "var.x-y",
        "var.a ? local.b : local.c", 'try(local.c.d, var.a, "z")',
    ],
)
def test_names_read_holds_every_name_the_evaluator_reads(expr: str) -> None:
    from mlstrata.hcl.evaluate import names_read

    block = parse_text('locals {\n  b = { c = var.a }\n  c = "x"\n}\n', "locals.tf").body.blocks[0]
    variables = _Recording({k: Bound(v) for k, v in {"a": True, "l": ["p"], "m": {"k": [1]}, "x-y": 1}.items()})
    locals_ = _Recording(dict(block.body.attributes))
    Evaluator(variables, locals_).text(expr)
    found = names_read(expr)
    assert found is not None and (variables.read or locals_.read)
    # what the locals it names read in their turn, as their own texts say
    seen_vars, seen_locals, pending = set(found[0]), set(found[1]), list(found[1])
    while pending:
        attr = block.body.attributes.get(pending.pop())
        inner = names_read(attr.expr_text) if attr is not None else (frozenset(), frozenset())
        assert inner is not None
        seen_vars |= inner[0]
        pending += inner[1] - seen_locals
        seen_locals |= inner[1]
    assert variables.read <= seen_vars and locals_.read <= seen_locals, (expr, variables.read, locals_.read, found)


@pytest.mark.parametrize("expr", ["var /* a comment */ .a", "[for var in local.l : var]", "var[\"a\"]"])
def test_names_read_is_none_where_the_text_does_not_say(expr: str) -> None:
    from mlstrata.hcl.evaluate import names_read

    assert names_read(expr) is None


def _strings_and_keys(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *_strings_and_keys(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings_and_keys(v)]
    return []


def _keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_functions_that_build_strings_or_keys_are_named() -> None:
    """Every function outside BUILDS_STRINGS only returns strings (and keys) found inside the strings and keys of its
    arguments, and every one outside BUILDS_KEYS only keys of its arguments' objects, on every combination of up to
    three sample arguments; each one inside them does build something (rules.placement's key filter relies on
    both)."""
    import itertools

    from mlstrata.hcl.evaluate import BUILDS_KEYS, BUILDS_STRINGS, FUNCTIONS

    samples: list[object] = ["Ab", "b", " cd ", "-", "%s%s", '{"k": "v"}', 3, 2.5, True, None, ["Ab", "cd"],
                             ["e", ["f"]], {"g": "h", "i": {"j": "Ab"}}, {"x": ["y"]}]
    built: dict[str, set[str]] = {}
    for name, func in sorted(FUNCTIONS.items()):
        for n in range(4):
            for args in itertools.product(samples, repeat=n):
                try:
                    result = func(*args)
                except (TypeError, ValueError, IndexError, KeyError):
                    continue
                pieces = _strings_and_keys(list(args))
                if not all(any(s in p for p in pieces) for s in _strings_and_keys(result)):
                    built.setdefault(name, set()).add("strings")
                if not _keys(result) <= _keys(list(args)):
                    built.setdefault(name, set()).add("keys")
    assert {n for n, what in built.items() if what == {"strings"}} == BUILDS_STRINGS
    assert {n for n, what in built.items() if "keys" in what} == BUILDS_KEYS
