"""Decoding `terraform show -json` plans, on JSON produced by real Terraform (see
tests/testdata/engine/plans/generate.py) and on a synthetic large plan."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from synthetic_plan import synthetic_plan

from mlstrata.plan import Action, ChangeCounts, Plan, ResourceMode, decode_plan, load_plan
from mlstrata.plan.decode import deeper_than

PLANS = Path(__file__).resolve().parent.parent / "testdata" / "engine" / "plans"
VERSIONS = sorted(p.name for p in PLANS.iterdir() if p.is_dir())


def test_fixtures_cover_two_terraform_versions() -> None:
    assert len(VERSIONS) >= 2


@pytest.mark.parametrize("version", VERSIONS)
def test_create(version: str) -> None:
    plan, diags = load_plan(PLANS / version / "create.json")
    assert diags == [] and plan is not None
    assert plan.terraform_version == version and plan.format_version.startswith("1.")
    assert {rc.action for rc in plan.resource_changes} == {Action.CREATE}
    assert plan.counts() == ChangeCounts(add=7)
    assert plan.has_changes and not plan.has_drift and plan.applyable and not plan.errored
    secret = plan.by_address()["terraform_data.secret"]
    assert secret.after_sensitive == {"input": True} and secret.before is None
    assert secret.mode is ResourceMode.MANAGED and secret.type == "terraform_data" and secret.name == "secret"
    assert {oc.name: oc.sensitive for oc in plan.output_changes} == {"plain": False, "secret": True}
    assert isinstance(plan.configuration, dict) and "root_module" in plan.configuration


@pytest.mark.parametrize("version", VERSIONS)
def test_update_replace_delete_forget_and_drift(version: str) -> None:
    plan, diags = load_plan(PLANS / version / "changes.json")
    assert diags == [] and plan is not None
    actions = {rc.address: rc.action for rc in plan.resource_changes}
    assert actions == {
        "drifty_file.f": Action.UPDATE,
        "terraform_data.deleted": Action.DELETE,
        "terraform_data.forgotten": Action.FORGET,
        "terraform_data.replaced": Action.DELETE_THEN_CREATE,
        "terraform_data.replaced_cbd": Action.CREATE_THEN_DELETE,
        "terraform_data.secret": Action.NO_OP,
        "terraform_data.updated": Action.UPDATE,
    }
    by = plan.by_address()
    assert by["terraform_data.replaced"].is_replace and by["terraform_data.replaced"].is_destructive
    assert by["terraform_data.replaced"].action_reason == "replace_because_cannot_update"
    assert by["terraform_data.replaced"].replace_paths == (("triggers_replace",),)
    assert not by["terraform_data.forgotten"].is_destructive
    assert by["terraform_data.updated"].before["input"] == "one"
    assert by["terraform_data.updated"].after["input"] == "two"
    assert by["terraform_data.updated"].after_unknown == {"output": True}
    # Drift is kept apart from the changes applying would make.
    assert [(d.address, d.action) for d in plan.resource_drift] == [("drifty_file.f", Action.UPDATE)]
    assert plan.resource_drift[0].after["content"] == "changed outside terraform"
    assert by["drifty_file.f"].before["content"] == "changed outside terraform"
    assert by["drifty_file.f"].after["content"] == "v1"
    assert plan.counts() == ChangeCounts(add=2, change=2, destroy=3, forget=1)
    assert {oc.name: oc.action for oc in plan.output_changes} == {
        "added": Action.CREATE,
        "plain": Action.UPDATE,
        "secret": Action.NO_OP,
    }


@pytest.mark.parametrize("version", VERSIONS)
def test_refresh_only_and_noop(version: str) -> None:
    refresh, diags = load_plan(PLANS / version / "refresh.json")
    assert diags == [] and refresh is not None
    assert refresh.resource_changes == () and refresh.has_drift
    assert [d.address for d in refresh.resource_drift] == ["drifty_file.f"]
    noop, diags = load_plan(PLANS / version / "noop.json")
    assert diags == [] and noop is not None
    assert not noop.has_changes and not noop.has_drift and noop.counts().total == 0
    assert {rc.action for rc in noop.resource_changes} == {Action.NO_OP}


@pytest.mark.parametrize("version", VERSIONS)
def test_state_json_is_not_a_plan(version: str) -> None:
    plan, diags = load_plan(PLANS / version / "state.json")
    assert plan is None
    [diag] = diags
    assert diag.code == "plan.unsupported" and diag.summary == "this is Terraform state JSON, not a plan"
    assert diag.where is not None and diag.where.file.endswith("state.json")


def _rc(fields: bytes, change: bytes = b"") -> bytes:
    return (b'{"format_version": "1.2", "resource_changes": [{' + fields + b', "mode": "managed", '
            b'"change": {"actions": ["create"]' + change + b"}}]}")


@pytest.mark.parametrize(
    ("data", "code", "summary"),
    [
        (b"{not json", "plan.invalid_json", "not valid JSON"),
        (b"[1, 2]", "plan.unsupported", "not a Terraform plan: the JSON document is a list, not an object"),
        (b'{"planned_values": {}}', "plan.unsupported", "not a Terraform plan: no format_version"),
        (
            b'{"format_version": "2.0", "planned_values": {}}',
            "plan.unsupported",
            "unsupported plan format_version '2.0' (this mlstrata reads 1.x)",
        ),
        (
            b'{"format_version": "1.2"}',
            "plan.unsupported",
            "not a Terraform plan: no planned_values or resource_changes",
        ),
        (  # planned_values is kept as raw bytes (never materialised): a JSON null still counts as absent
            b'{"format_version": "1.2", "planned_values": null}',
            "plan.unsupported",
            "not a Terraform plan: no planned_values or resource_changes",
        ),
        (
            b'{"format_version": "1.2", "resource_changes": [{"address": "a.b", "mode": "managed", "change": '
            b'{"actions": ["explode"]}}]}',
            "plan.unsupported",
            "resource_changes[0] (a.b): unknown plan actions ['explode']",
        ),
        (  # the position counts the changes before it; the actions are said as the JSON list they were
            b'{"format_version": "1.2", "resource_changes": [{"address": "a.a", "mode": "managed", "change": '
            b'{"actions": ["create"]}}, {"address": "a.b", "mode": "managed", "change": '
            b'{"actions": ["delete", "create"], "before": {}, "after": {}}}], "resource_drift": [{"address": "a.c", '
            b'"mode": "data", "change": {"actions": ["no-op"]}}, {"address": "a.d", "mode": "managed", "change": '
            b'{"actions": ["create", "update"]}}]}',
            "plan.unsupported",
            "resource_drift[1] (a.d): unknown plan actions ['create', 'update']",
        ),
        (
            b'{"format_version": "1.2", "resource_changes": [{"mode": "managed"}]}',
            "plan.unsupported",
            "not a Terraform plan: resource_changes[0]: object missing required field `address`",
        ),
        # wrong JSON types are refused once, at decode, with the path of the value (issue 10)
        (_rc(b'"address": 5'), "plan.unsupported",
         "not a Terraform plan: resource_changes[0].address: expected `str`, got `int`"),
        (_rc(b'"address": ["a"]'), "plan.unsupported",
         "not a Terraform plan: resource_changes[0].address: expected `str`, got `array`"),
        (_rc(b'"address": "a.b", "type": ["x"]'), "plan.unsupported",
         "not a Terraform plan: resource_changes[0].type: expected `str`, got `array`"),
        (_rc(b'"address": "a.b"', b', "replace_paths": [1]'), "plan.unsupported",
         "not a Terraform plan: resource_changes[0].change.replace_paths[0]: expected `array`, got `int`"),
        (_rc(b'"address": "a.b"', b', "after": "x"'), "plan.unsupported",
         "not a Terraform plan: resource_changes[0].change.after: expected `object | null`, got `str`"),
        # before/after are decoded when first read, but their shape is still checked here, at decode
        (_rc(b'"address": "a.b"', b', "before": 5'), "plan.unsupported",
         "not a Terraform plan: resource_changes[0].change.before: expected `object | null`, got `int`"),
        (_rc(b'"address": "a.b"', b', "before": {}, "after": [{}]'), "plan.unsupported",
         "not a Terraform plan: resource_changes[0].change.after: expected `object | null`, got `array`"),
        (_rc(b'"address": "a.b"', b', "after": {"x": ' + b"[" * 200 + b"]" * 200 + b"}"), "plan.unsupported",
         "not a Terraform plan: nested more than 128 levels deep"),
        (_rc(b'"address": "a.b"', b', "after": {"x": ' + b"[" * 5000 + b"]" * 5000 + b"}"), "plan.unsupported",
         "not a Terraform plan: nested more than 128 levels deep"),
        (b'{"format_version": "1.2", "configuration": {"provider_config": {"aws": {"expressions": []}}}, '
         b'"resource_changes": []}', "plan.unsupported",
         "not a Terraform plan: configuration.provider_config[...].expressions: expected `object | null`, got `array`"),
    ],
)
def test_bad_input_is_a_clear_diagnostic(data: bytes, code: str, summary: str) -> None:
    plan, diags = decode_plan(data, "x.json")
    assert plan is None
    assert [(d.code, d.summary) for d in diags] == [(code, summary)]


def test_missing_file() -> None:
    plan, diags = load_plan(Path("/nonexistent/plan.json"))
    assert plan is None and diags[0].code == "plan.io"


def test_synthetic_large_plan() -> None:
    data, tally = synthetic_plan(20_000)
    plan, diags = decode_plan(data)
    assert diags == [] and plan is not None
    assert len(plan.resource_changes) == 20_000 and len(plan.resource_drift) == 200
    decoded: dict[str, int] = {}
    for rc in plan.resource_changes:
        decoded[rc.action.value] = decoded.get(rc.action.value, 0) + 1
    assert decoded == {
        "create": tally["create"],
        "update": tally["update"],
        "delete": tally["delete"],
        "delete-then-create": tally["delete,create"],
        "create-then-delete": tally["create,delete"],
        "no-op": tally["no-op"],
        "read": tally["read"],
    }
    reads = [rc for rc in plan.resource_changes if rc.action is Action.READ]
    assert all(rc.mode is ResourceMode.DATA for rc in reads)
    assert plan.counts().destroy == tally["delete"] + tally["delete,create"] + tally["create,delete"]
    assert json.loads(data)["resource_changes"][123]["address"] == plan.resource_changes[123].address


def _drift(before: dict[str, object], after: dict[str, object]) -> dict[str, object]:
    return {"address": 'module.r.mlstrata_registered_model.this["m"]', "module_address": "module.r", "mode": "managed",
            "type": "mlstrata_registered_model", "name": "this", "index": "m", "provider_name": "mlstrata",
            "change": {"actions": ["update"], "before": before, "after": after}}


def test_drift_in_observed_attributes_only_is_not_drift() -> None:
    """A model version registered in MLflow changes the model's `version_count` (what the provider observes),
    not its configuration: that alone is no drift; a changed description beside it still is."""
    from mlstrata.plan import plan_from_dict

    model = {"name": "m", "description": "d", "version_count": 0}
    doc = {"format_version": "1.2", "planned_values": {}, "resource_changes": [], "resource_drift": [
        _drift(model, {**model, "version_count": 3}),
        _drift(model, {**model, "version_count": 3, "description": "changed by hand"})]}
    plan = plan_from_dict(doc)
    assert [rc.after["description"] for rc in plan.resource_drift if isinstance(rc.after, dict)] == [
        "changed by hand"]


def test_values_are_decoded_when_first_read_and_compare_as_values() -> None:
    """A large plan's changes are mostly never looked into: `before`/`after` stay raw JSON until read."""
    import msgspec

    from mlstrata.plan import ResourceChange, plan_from_dict

    doc = {"format_version": "1.2", "resource_changes": [
        {"address": "aws_s3_bucket.a", "mode": "managed", "type": "aws_s3_bucket", "name": "a",
         "change": {"actions": ["update"], "before": {"bucket": "x", "tags": {"k": "v"}}, "after": None}}]}
    plan, diags = decode_plan(json.dumps(doc).encode())
    assert diags == [] and plan is not None
    (rc,) = plan.resource_changes
    assert isinstance(rc._before, msgspec.Raw) and rc._after is None
    assert rc.before == {"bucket": "x", "tags": {"k": "v"}} and rc.after is None
    assert rc._before == {"bucket": "x", "tags": {"k": "v"}}  # decoded once, then kept
    by_hand = ResourceChange("aws_s3_bucket.a", "", "aws_s3_bucket", "a", ResourceMode.MANAGED, Action.UPDATE,
                             before={"bucket": "x", "tags": {"k": "v"}})
    assert rc == by_hand and rc == plan_from_dict(doc).resource_changes[0]
    assert rc != ResourceChange("aws_s3_bucket.a", "", "aws_s3_bucket", "a", ResourceMode.MANAGED, Action.UPDATE)
    assert "before={'bucket': 'x'" in repr(rc)


def test_plan_from_dict_refuses_what_is_not_json_data() -> None:
    from mlstrata.plan import PlanFormatError, plan_from_dict

    with pytest.raises(PlanFormatError, match="not JSON data"):
        plan_from_dict({"format_version": "1.2", "resource_changes": [], "x": object()})
    with pytest.raises(PlanFormatError, match=r"resource_changes\[0\].change.before: expected `object \| null`"):
        plan_from_dict({"format_version": "1.2", "resource_changes": [
            {"address": "a.b", "mode": "managed", "change": {"actions": ["create"], "before": "x"}}]})


def _depth(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def test_depth_bound_is_exact_on_json_with_escapes_and_brackets_in_strings() -> None:
    """`deeper_than` works on the bytes (issue 17: the decode floor): strings full of escapes, quotes and
    brackets must not change the depth it finds, at the limit and on either side of it."""
    rng = random.Random(17)
    alphabet = ['a', 'n', 'u', 'f', '/', '"', '\\', '[', ']', '{', '}', '\n', '\t', 'é', '\x01', '\\"', '\\\\']

    def text() -> str:
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6)))

    def value(budget: int) -> object:
        roll = rng.random()
        if budget <= 0 or roll < 0.3:
            return rng.choice([text(), 1, None, True, 2.5])
        if roll < 0.65:
            return [value(budget - rng.randint(1, 2)) for _ in range(rng.randint(0, 3))]
        return {text(): value(budget - rng.randint(1, 2)) for _ in range(rng.randint(0, 3))}

    checked = 0
    for _ in range(2000):
        doc = value(rng.randint(0, 40))
        data = json.dumps(doc, ensure_ascii=rng.random() < 0.5).encode()
        depth = _depth(doc)
        for limit in {0, 1, max(depth - 1, 0), depth, depth + 1, 17, 20}:
            assert deeper_than(data, limit) == (depth > limit), (data, limit, depth)
            checked += 1
    assert checked > 8000
    # deep everywhere (every pass removes little): still exact, past the passes too
    nested = b"[" + b",".join([b"[" * 30 + b"]" * 30] * 50) + b"]"
    assert deeper_than(nested, 30) and not deeper_than(nested, 31)


_DEEP = _rc(b'"address": "a.b"', b', "after": {"x": ' + b"[" * 300 + b"]" * 300 + b"}")
_SAME_AS_DECODE = [
    (PLANS / "1.15.5" / "changes.json").read_bytes(), (PLANS / "1.15.5" / "state.json").read_bytes(), _DEEP,
    _rc(b'"address": "a.b"', b', "after": {"x": ' + b"[" * 5000 + b"]" * 5000 + b"}"), b"{not json",
    b'{"format_version": "2.0", "planned_values": {}}', _rc(b'"address": "a.b"', b', "after": "x"'),
]


@pytest.mark.parametrize("data", _SAME_AS_DECODE)
@pytest.mark.parametrize("fork_from", [0, 1 << 40])
def test_decode_plan_and_says_what_decode_plan_says(data: bytes, fork_from: int) -> None:
    """With the depth check forked (fork_from=0; only where this process has one thread) or not."""
    from mlstrata.plan.decode import decode_plan_and

    plan, diags = decode_plan(data, "x.json")
    got, got_diags = decode_plan_and(data, lambda p: p.counts(), "x.json", fork_from=fork_from)
    assert (got, [d.to_dict() for d in got_diags]) == (plan.counts() if plan else None, [d.to_dict() for d in diags])
    # handing the decoded objects to `keep` (mlstrata.cli.keep_until_exit) changes no answer; the plan is among them
    kept: list[object] = []
    got_kept, kept_diags = decode_plan_and(data, lambda p: p.counts(), "x.json", fork_from=fork_from,
                                           keep=kept.append)
    assert (got_kept, [d.to_dict() for d in kept_diags]) == (got, [d.to_dict() for d in got_diags])
    kept_plans = [k for k in kept if isinstance(k, Plan)]
    if plan is not None:
        assert [k.counts() for k in kept_plans] == [plan.counts()]


_FORKED = """
import os, sys
from mlstrata.plan.decode import _DepthCheck, decode_plan_and
deep, shallow = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
pids = [_DepthCheck.start(d, 0) for d in (deep, shallow)]
print("forked", all(c is not None and c.pid != os.getpid() for c in pids), [c.deep() for c in pids if c])
def recurse(plan):
    raise RecursionError("deep")
for data in (deep, shallow):
    try:
        print(decode_plan_and(data, recurse, fork_from=0)[1][0].summary)
    except RecursionError:
        print("RecursionError")
print(decode_plan_and(shallow, lambda plan: len(plan.resource_changes), fork_from=0))
"""


def test_the_forked_depth_check_answers_and_a_recursion_error_on_a_deep_plan_is_its_refusal(tmp_path: Path) -> None:
    """In a fresh interpreter (one thread: the check is forked): the child's answer is the depth check's;
    `use` failing with RecursionError on a plan the check refuses is that refusal, on any other plan an error."""
    import subprocess
    import sys

    (tmp_path / "deep.json").write_bytes(_DEEP)
    (tmp_path / "shallow.json").write_bytes((PLANS / "1.15.5" / "changes.json").read_bytes())
    src = Path(__file__).resolve().parents[2] / "src"
    proc = subprocess.run([sys.executable, "-c", _FORKED, str(tmp_path / "deep.json"), str(tmp_path / "shallow.json")],
                          capture_output=True, text=True, check=False, env={"PYTHONPATH": str(src)})
    assert proc.returncode == 0, proc.stderr
    count = len(json.loads((PLANS / "1.15.5" / "changes.json").read_bytes())["resource_changes"])
    assert proc.stdout.splitlines() == ["forked True [True, False]", "not a Terraform plan: nested more than 128 "
                                        "levels deep", "RecursionError", f"({count}, [])"]


def test_the_plan_model_loads_no_decoder() -> None:
    """ResourceChange decodes its raw values through the decoder, which made them: the model alone (what the
    engine's progress reads) loads no msgspec."""
    import subprocess
    import sys

    src = Path(__file__).resolve().parents[2] / "src"
    probe = "import sys; from mlstrata.plan import ChangeCounts, ResourceChange; print('msgspec' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False,
                          env={"PYTHONPATH": str(src)})
    assert (proc.returncode, proc.stdout.strip()) == (0, "False"), proc.stderr


def test_the_configuration_is_what_msgspec_to_builtins_makes_of_it() -> None:
    """`builtins_of` converts the decoded structs without copying the decoder's dicts: the same value as
    msgspec.to_builtins on every real plan fixture and on nested module calls with resources and providers."""
    import msgspec

    from mlstrata.plan.decode import _DECODER, builtins_of

    def resource(name: str) -> dict[str, object]:
        return {"address": f"aws_s3_bucket.{name}", "mode": "managed", "type": "aws_s3_bucket", "name": name,
                "provider_config_key": "aws", "schema_version": 0,
                "expressions": {"bucket": {"constant_value": name}, "tags": {"references": ["var.tags"]}}}

    nested = {"format_version": "1.2", "resource_changes": [], "configuration": {
        "provider_config": {"aws": {"name": "aws", "expressions": {"region": {"constant_value": "us-east-1"}}},
                            "aws.east": {"name": "aws", "alias": "east"}},
        "root_module": {"resources": [resource("root")], "module_calls": {
            "a": {"source": "./modules/a", "expressions": {"x": {"constant_value": 1}}, "module": {
                "resources": [resource("a1"), resource("a2")],
                "module_calls": {"b": {"source": "../b", "module": {"resources": [resource("b")]}},
                                 "registry": {"source": "terraform-aws-modules/s3-bucket/aws"}}}}}}}}
    testdata = PLANS.parents[1]
    plans = [p.read_bytes() for p in sorted(testdata.rglob("*.json")) if b'"configuration"' in p.read_bytes()]
    compared = 0
    for data in [*plans, synthetic_plan(300)[0], json.dumps(nested).encode()]:
        try:
            doc = _DECODER.decode(data)
        except msgspec.ValidationError:  # a fixture of a refused plan
            continue
        if doc.configuration is None:
            continue
        converted, expected = builtins_of(doc.configuration), msgspec.to_builtins(doc.configuration)
        assert converted == expected
        assert json.dumps(converted, sort_keys=True) == json.dumps(expected, sort_keys=True)
        compared += 1
    assert len(plans) >= 10 and compared >= 10
    root = builtins_of(_DECODER.decode(json.dumps(nested).encode()).configuration)["root_module"]
    # what review places findings by: each call's source and module, nested; a module's resources are not read
    # (review/source.py finds the blocks in the code), so not decoded
    assert root == {"module_calls": {
        "a": {"source": "./modules/a", "module": {"module_calls": {
            "b": {"source": "../b", "module": {"module_calls": None}},
            "registry": {"source": "terraform-aws-modules/s3-bucket/aws", "module": None}}}}}}
