"""A blocked apply shows each finding the way `mlstrata review` does (where, what, why, how to fix), with
its id and how to accept it; `plan` (which printed the review already) shows one line per finding."""

from __future__ import annotations

import io

from rich.console import Console

from mlstrata.diagnostics import Diagnostic, Severity, Where
from mlstrata.governance.acceptance import Acceptance, finding_id, judge
from mlstrata.governance.gate import Reviewed
from mlstrata.views.gate import show_blocked

PLAN = "ab" * 32
ADDRESS = 'module.model_registry.mlstrata_registered_model.this["recommender"]'
DESTROY = Diagnostic(Severity.ERROR, "registered model `recommender` is destroyed: its 3 versions would be lost",
                     detail="reason: delete because no resource configuration", where=Where("main.tf", 12, 1),
                     path=ADDRESS, code="MLR001", hint="Revert the change that forces it.")
BUCKET = Diagnostic(Severity.ERROR, "artifact bucket `checkpoints` is destroyed", where=Where("main.tf", 30, 1),
                    path="module.artifact_bucket_checkpoints.mlstrata_artifact_bucket.this", code="MLR001",
                    hint="Back it up first.")
WARN = Diagnostic(Severity.WARNING, "GPU pool created: g6 x 0-2", detail="per month: $0 -> $0",
                  where=Where("main.tf", 40, 1), path="module.gpu_pool_training.mlstrata_gpu_pool.this",
                  code="MLR004", hint="Check the budget.")


def _shown(reviewed: list[Reviewed], *, full: bool) -> str:
    console = Console(file=io.StringIO(), width=300, color_system=None)
    show_blocked(reviewed, "apply", console, full=full)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(out, str)
    return out


def test_a_blocked_apply_shows_what_where_why_and_how_to_accept() -> None:
    findings = (DESTROY, BUCKET, WARN)
    bucket_id = finding_id(PLAN, "dev/base", BUCKET)
    verdict = judge("dev/base", PLAN, findings, [Acceptance(bucket_id, "archived to tape")])
    out = _shown([Reviewed(verdict, findings, None)], full=True)
    model_id = finding_id(PLAN, "dev/base", DESTROY)
    assert f"dev/base plan {PLAN[:12]}: blocked (1 not accepted)" in out
    block = out[out.index(f"{model_id} blocking"):]
    # what, where, why, how to fix: the review's own lines, under the finding's id
    assert block.index(f"main.tf:12:1: error MLR001 {ADDRESS}: registered model `recommender` is destroyed") \
        < block.index("reason: delete because no resource configuration") < block.index("fix: Revert the change")
    assert f"{bucket_id} accepted" in out and "accepted because: archived to tape" in out
    assert "main.tf:40:1: warning MLR004" in out and "Check the budget." in out  # the plan's other findings too
    # how to accept: the command with the open id only, and the acceptance-file form bound to the plan
    assert f"mlstrata apply --env dev --accept {model_id} --reason" in out and f"--accept {bucket_id}" not in out
    assert f"- finding: {model_id}" in out and f'plan: "{PLAN}"' in out


def test_after_plan_printed_the_review_each_blocking_finding_is_one_line() -> None:
    verdict = judge("dev/base", PLAN, (DESTROY, WARN), [])
    out = _shown([Reviewed(verdict, (DESTROY, WARN), None)], full=False)
    assert f"{finding_id(PLAN, 'dev/base', DESTROY)} blocking: {ADDRESS}: registered model" in out
    assert "fix:" not in out and "MLR004" not in out


def test_the_json_gate_report_carries_the_full_finding() -> None:
    verdict = judge("dev/base", PLAN, (DESTROY,), [])
    (gated,) = verdict.to_dict(full=True)["blocking"]  # type: ignore[attr-defined]
    assert gated["where"] == "main.tf:12:1" and gated["hint"] == "Revert the change that forces it."
    assert gated["detail"].startswith("reason: delete")
    assert "where" not in verdict.blocking[0].to_dict()  # the journal's record stays short
