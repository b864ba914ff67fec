"""The progress display and summary table, fed by a real run's events; the JSON report."""

from __future__ import annotations

import json
from pathlib import Path

from engine_units import SIMPLE_TF, write_unit
from rich.console import Console

from mlstrata.engine import Engine, EngineEvent, EngineSettings, Runner, Status, Unit, UnitResult, up_all
from mlstrata.engine.progress import ProgressView, counts_text, summary_table
from mlstrata.engine.results import Operation, RunReport
from mlstrata.plan import ChangeCounts


def test_progress_and_summary_from_a_real_run(fast_runner: Runner, settings: EngineSettings, tmp_path: Path) -> None:
    units = [
        write_unit(tmp_path, "dev", "base", SIMPLE_TF, state_dir=tmp_path / "state"),
        write_unit(tmp_path, "prod", "base", 'resource "terraform_data" "x" {\n  inptu = 1\n}\n'),
    ]
    console = Console(record=True, width=140, force_terminal=False, color_system=None)
    view = ProgressView(console)
    stream: list[dict[str, object]] = []

    def both(event: EngineEvent) -> None:
        view(event)
        stream.append(event.to_dict())

    with view, Engine(fast_runner, settings, on_event=both) as engine:
        report = up_all(engine, units)
    done = [e for e in stream if e["kind"] == "resource_done"]
    assert done == [
        {
            "kind": "resource_done",
            "unit": "dev/base",
            "operation": "apply",
            "address": "terraform_data.item",
            "action": "create",
            "message": done[0]["message"],
            "done": 1,
            "total": 1,
        }
    ]
    assert json.loads(json.dumps(stream)) == stream
    shown = {task.fields["unit"]: task.description for task in view.progress.tasks}
    assert shown == {"dev/base": "ok +1 ~0 -0", "prod/base": "failed"}

    console.print(summary_table(report))
    text = console.export_text().split("mlstrata up", 1)[1]
    dev_row = next(line for line in text.splitlines() if "dev/base" in line and "+1 ~0 -0" in line)
    assert "ok" in dev_row
    prod_row = next(line for line in text.splitlines() if "prod/base" in line and "failed" in line)
    assert "Unsupported argument" in prod_row

    data = report.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert "duration_s" not in json.dumps(data), "deterministic unless timings are asked for"
    assert report.to_dict(timings=True)["units"][0]["duration_s"] > 0
    assert [u["unit"] for u in data["units"]] == ["dev/base", "prod/base"]
    assert data["ok"] is False
    assert data["units"][0]["counts"] == {"add": 1, "change": 0, "destroy": 0, "import": 0, "forget": 0}
    assert [s["operation"] for s in data["units"][0]["steps"]] == ["plan", "apply"]
    assert data["units"][1]["diagnostics"][0]["summary"] == "Unsupported argument"


def test_counts_text_and_skipped_rows(tmp_path: Path) -> None:
    assert counts_text(None) == ""
    assert counts_text(ChangeCounts(1, 2, 3)) == "+1 ~2 -3"
    assert counts_text(ChangeCounts(0, 0, 0, import_=2, forget=1)) == "+0 ~0 -0 <=2 .1"
    unit = Unit("dev", "platform", tmp_path)
    report = RunReport(Operation.APPLY, (UnitResult(unit, Operation.APPLY, Status.SKIPPED),))
    console = Console(record=True, width=100, color_system=None)
    console.print(summary_table(report, title="apply"))
    row = next(line for line in console.export_text().splitlines() if "dev/platform" in line)
    assert "skipped" in row and "s " not in row.split("skipped")[1][:8]


def test_a_clean_refresh_says_clean_and_status_shows_what_its_json_has(
    fast_runner: Runner, settings: EngineSettings, tmp_path: Path
) -> None:
    """Issue 18: drift's progress printed "+0 ~0 -0" for clean units; `status` had empty columns where its JSON
    has the resources and the saved plan."""
    from mlstrata.engine import plan_all, refresh_all, status_all

    unit = write_unit(tmp_path, "dev", "base", SIMPLE_TF, state_dir=tmp_path / "state")
    console = Console(record=True, width=160, force_terminal=False, color_system=None)
    view = ProgressView(console)
    with Engine(fast_runner, settings) as engine:
        assert up_all(engine, [unit]).ok
    with view, Engine(fast_runner, settings, on_event=view) as engine:
        assert refresh_all(engine, [unit], json_when_clean=False).results[0].status is Status.NO_CHANGES
    assert [t.description for t in view.progress.tasks] == ["clean"]
    with Engine(fast_runner, settings) as engine:
        (unit.path / "terraform.tfvars").write_text('name = "two"\n')
        assert plan_all(engine, [unit]).ok
        status = status_all(engine, [unit])
    console.print(summary_table(status))
    row = next(line for line in console.export_text().splitlines() if line.startswith("│ dev/base"))
    assert [cell.strip() for cell in row.split("│")[1:-1]] == ["dev/base", "changes", "1", "current", "+0 ~1 -0", ""]
    assert status.to_dict()["units"][0]["saved_plan"] == "current"
