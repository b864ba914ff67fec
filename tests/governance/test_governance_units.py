"""Acceptances, the protected-environment policy, the journal file and history joining, on plain data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mlstrata.diagnostics import Diagnostic, Severity, Where
from mlstrata.engine import Unit
from mlstrata.governance.acceptance import Acceptance, finding_id, from_command_line, judge, load_file, unused
from mlstrata.governance.history import join_runs
from mlstrata.governance.journal import FileJournal
from mlstrata.governance.rollback import SpecAtRevision, layout_problems
from mlstrata.spec.load import load_text
from mlstrata.workspace import Workspace, may_change, may_destroy, run_profile, unnamed_protected

PLAN = "ab" * 32
OTHER = "cd" * 32
DESTROY = Diagnostic(Severity.ERROR, "registered model `r` is destroyed", where=Where("main.tf", 3),
                     path='module.model_registry.mlstrata_registered_model.this["r"]', code="MLR001")
WARN = Diagnostic(Severity.WARNING, "GPU pool created", path="module.gpu.this", code="MLR004")


def test_a_finding_id_is_bound_to_its_plan_and_unit() -> None:
    fid = finding_id(PLAN, "dev/base", DESTROY)
    assert fid.startswith("MLR001-") and len(fid) == len("MLR001-") + 8
    assert fid == finding_id(PLAN, "dev/base", DESTROY)
    assert fid != finding_id(OTHER, "dev/base", DESTROY)
    assert fid != finding_id(PLAN, "prod/base", DESTROY)


def test_only_errors_block_and_an_acceptance_for_another_plan_does_not_count() -> None:
    fid = finding_id(PLAN, "dev/base", DESTROY)
    verdict = judge("dev/base", PLAN, [DESTROY, WARN], [])
    assert verdict.blocked and verdict.verdict == "blocked" and [g.id for g in verdict.blocking] == [fid]
    wrong_plan = Acceptance(fid, "retired", plan=OTHER[:12], source="accept.yaml:2:5")
    verdict = judge("dev/base", PLAN, [DESTROY, WARN], [wrong_plan])
    assert verdict.blocked
    (void,) = unused([wrong_plan], [verdict])
    assert void.severity is Severity.WARNING and "void" in void.summary and OTHER[:12] in void.summary
    right = Acceptance(fid, "retired", plan=PLAN[:12])
    verdict = judge("dev/base", PLAN, [DESTROY, WARN], [right])
    assert not verdict.blocked and verdict.verdict == "accepted"
    assert verdict.blocking[0].to_dict()["reason"] == "retired"
    assert unused([right], [verdict]) == []


def test_command_line_acceptances_need_a_reason_and_must_match_a_finding() -> None:
    _, problems = from_command_line(["MLR001-0123abcd"], None)
    assert [p.code for p in problems] == ["gate.no_reason"]
    _, problems = from_command_line(["recommender"], "why")
    assert [p.code for p in problems] == ["gate.bad_id"]
    _, problems = from_command_line([], "a reason for nothing")
    assert [p.code for p in problems] == ["gate.reason_alone"]
    accepted, problems = from_command_line(["MLR001-0123abcd"], "  retired  ")
    assert problems == [] and accepted[0].reason == "retired"
    (unknown,) = unused(accepted, [judge("dev/base", PLAN, [DESTROY], accepted)])
    assert unknown.is_error and unknown.code == "gate.unknown_id"


def test_acceptance_file_problems_are_placed_at_their_line(tmp_path: Path) -> None:
    path = tmp_path / "accept.yaml"
    path.write_text("accept:\n  - finding: MLR001-0123abcd\n    plan: 0123456789ab\n    reason: ok\n"
                    "  - finding: nope\n    plan: xyz\n    reason: ''\n    colour: red\n")
    accepted, problems = load_file(path)
    assert [a.finding for a in accepted] == ["MLR001-0123abcd"] and accepted[0].source.endswith("accept.yaml:2:5")
    (problem,) = problems
    assert problem.where is not None and problem.where.line == 5
    for part in ("unknown key(s) colour", "not a finding id", "not a plan sha256", "`reason` is empty"):
        assert part in problem.summary
    path.write_text("accept:\n  - {finding: MLR001-0123abcd, plan: 123456789012, reason: ok}\n")
    assert "must be a quoted string" in load_file(path)[1][0].summary
    path.write_text("- just a list\n")
    assert load_file(path)[1][0].code == "gate.accept_file"


def _workspace(envs: list[str]) -> Workspace:
    spec = load_text(SPEC + "  prod: {protect: true}\n")
    units = [Unit(e, layer, Path("live") / e / layer) for e in envs for layer in ("base", "platform")]
    return Workspace(Path(spec.source.file), Path("infra"), units, (), run_profile(spec), spec)


@pytest.mark.parametrize(("named", "yes", "reason", "refused", "question"), [
    (None, True, "teardown", "prod is protected: destroy it only by naming it", None),
    (["prod"], True, None, "destroying protected environment prod needs a reason", None),
    (["prod"], True, "  ", "destroying protected environment prod needs a reason", None),
    (["prod"], False, "teardown", "no terminal to confirm", None),
    (["prod"], True, "teardown", None, None),
])
def test_destroying_a_protected_environment_needs_its_name_a_reason_and_a_confirmation(
        named: list[str] | None, yes: bool, reason: str | None, refused: str | None, question: str | None) -> None:
    permission = may_destroy(_workspace(named or ["dev", "prod"]), named, yes, False, reason)
    if refused is None:
        assert permission.refused is None
    else:
        assert permission.refused is not None and refused in permission.refused.summary
    assert permission.question == question


def test_yes_never_names_a_protected_environment() -> None:
    ws = _workspace(["dev", "prod"])
    assert unnamed_protected(ws, None) == ["prod"] and unnamed_protected(ws, ["prod"]) == []
    refused = may_change(ws, None, True, "apply", False).refused
    assert refused is not None and "prod is protected: apply it only by naming it" in refused.summary
    assert may_change(ws, ["dev", "prod"], True, "apply", False).refused is None
    assert may_destroy(_workspace(["dev"]), None, False, True, None).question == "destroy dev/base, dev/platform?"


def test_file_journal_appends_whole_lines_from_concurrent_writers_and_skips_a_torn_one(tmp_path: Path) -> None:
    path = tmp_path / "state" / "dev" / "base.journal.jsonl"
    script = ("import sys\nfrom pathlib import Path\nfrom mlstrata.governance.journal import FileJournal\n"
              "j = FileJournal(Path(sys.argv[1]))\n"
              "for i in range(50):\n"
              "    j.append({'run': sys.argv[2] + str(i), 'phase': 'started', 'pad': 'x' * 9000})\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    procs = [subprocess.Popen([sys.executable, "-c", script, str(path), name], env=env) for name in "ab"]
    assert [p.wait() for p in procs] == [0, 0]
    entries, problems = FileJournal(path).read()
    assert problems == [] and len(entries) == 100 and {len(e["pad"]) for e in entries} == {9000}
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    with path.open("a") as f:
        f.write('{"run": "cut-sh')
    entries, problems = FileJournal(path).read()
    assert len(entries) == 100 and problems[0].code == "journal.torn_line" and problems[0].where.line == 101


def test_history_joins_start_and_end_and_a_start_without_end_from_a_dead_process_is_interrupted() -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    import socket

    who = {"host": socket.gethostname(), "pid": int(dead.stdout)}
    entries = [
        {"run": "1", "phase": "started", "at": "2026-01-01T00:00:00Z", "who": who},
        {"run": "1", "phase": "finished", "at": "2026-01-01T00:01:00Z"},
        {"run": "2", "phase": "started", "at": "2026-01-02T00:00:00Z", "who": who},
        {"run": "2", "phase": "failed", "at": "2026-01-02T00:01:00Z", "errors": ["boom"]},
        {"run": "3", "phase": "started", "at": "2026-01-03T00:00:00Z", "who": who},
        {"run": "4", "phase": "started", "at": "2026-01-04T00:00:00Z",
         "who": {"host": socket.gethostname(), "pid": os.getpid()}},
    ]
    runs = {r.run: r.status for r in join_runs("dev/base", entries)}
    assert runs == {"1": "ok", "2": "failed", "3": "interrupted", "4": "running"}
    assert json.dumps([r.to_dict() for r in join_runs("dev/base", entries)])


SPEC = """platform: rb
target: local
region: us-east-1
state: {backend: local}
environments:
  dev: {}
"""


def test_rollback_refuses_a_revision_with_other_units_and_names_what_differs() -> None:
    current = load_text(SPEC + "  qa: {}\n").platform
    old = SpecAtRevision("f" * 40, "v1", load_text(SPEC))
    (gone,) = layout_problems(current, old, "qa", ["qa/base"], [])
    assert "environment `qa` did not exist at v1 (ffffffffffff)" in gone.summary
    (unit,) = layout_problems(current, old, "dev", ["dev/base", "dev/platform"], ["dev/base"])
    assert "unit dev/platform did not exist at v1" in unit.summary and "--layer platform" in unit.hint
    renamed = SpecAtRevision("f" * 40, "v0", load_text(SPEC.replace("platform: rb", "platform: old")))
    (other,) = layout_problems(current, renamed, "dev", ["dev/base"], ["dev/base"])
    assert "platform name was `old`" in other.summary
    assert layout_problems(current, old, "dev", ["dev/base"], ["dev/base", "dev/platform"]) == []


def _plan_json(path: Path, *, timestamp: str, after_size: int, order: int = 1) -> Path:
    changes = [{"address": "module.b.mlstrata_artifact_bucket.this", "change": {
                    "actions": ["delete"], "before": {"name": "checkpoints"}, "after": None, "after_unknown": {}}},
               {"address": "module.gpu.mlstrata_gpu_pool.this", "change": {
                    "actions": ["update"], "before": {"max": 2}, "after": {"max": after_size}, "after_unknown": {}}}]
    path.write_text(json.dumps({"format_version": "1.2", "terraform_version": "1.15.5", "timestamp": timestamp,
                                "resource_changes": changes[::order]}))
    return path


def test_the_changes_digest_is_what_the_plan_does_not_when_it_was_made(tmp_path: Path) -> None:
    """A plan made again of the same change (new timestamp, other order) keeps its digest, so an acceptance
    committed after the pull request's plan holds for CI's plan of the merged commit; any other after (or
    before) value is another change and another digest."""
    from mlstrata.governance.gate import changes_digest

    first = changes_digest(_plan_json(tmp_path / "a.json", timestamp="2026-12-01T01:00:00Z", after_size=3))
    again = changes_digest(_plan_json(tmp_path / "b.json", timestamp="2026-12-01T02:00:00Z", after_size=3,
                                      order=-1))
    other = changes_digest(_plan_json(tmp_path / "c.json", timestamp="2026-12-01T01:00:00Z", after_size=4))
    assert first == again and first != other and len(first) == 64
    verdict = judge("dev/base", PLAN, [DESTROY], [], changes_sha256=first)
    (gated,) = verdict.blocking
    assert gated.id == finding_id(first, "dev/base", DESTROY) != finding_id(PLAN, "dev/base", DESTROY)
    accepted = judge("dev/base", OTHER, [DESTROY], [Acceptance(gated.id, "ok", plan=first[:12])],
                     changes_sha256=again)
    assert not accepted.blocked and accepted.plan_sha256 == OTHER  # the file hash stays what apply checks


def test_units_and_the_render_summary_follow_the_spec_order_of_environments(tmp_path: Path) -> None:
    """dev, staging, prod as the spec declares them, base before platform: not dev, prod, staging by name."""
    from support.cli import mlstrata

    from mlstrata.spec.load import load_spec
    from mlstrata.workspace import open_workspace

    spec = tmp_path / "platform.yaml"
    spec.write_text((Path(__file__).resolve().parents[2] / "examples" / "quickstart" / "platform.yaml").read_text())
    done = mlstrata("render", "--spec", str(spec), cwd=tmp_path)
    order = ["dev/base", "dev/platform", "staging/base", "staging/platform", "prod/base", "prod/platform"]
    assert done.returncode == 0 and f"units: {', '.join(order)}" in done.stderr, done.stderr
    ws, diagnostics = open_workspace(load_spec(spec), tmp_path / "infra", None, None)
    assert ws is not None, diagnostics
    assert [u.id for u in ws.units] == order
