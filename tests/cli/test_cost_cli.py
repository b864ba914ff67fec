"""`mlstrata cost` and `mlstrata pricing` as a user runs them (a local app with just these commands)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from support.cli import mlstrata

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "testdata" / "pricing"
EXAMPLE = REPO / "examples" / "aws" / "platform.yaml"

def run(*args: str) -> tuple[int, str, str]:
    result = mlstrata(*args)
    return result.returncode, result.stdout, result.stderr


def spec_copy(tmp_path: Path, budget: float | None = None) -> Path:
    spec = tmp_path / "platform.yaml"
    text = EXAMPLE.read_text()
    if budget is not None:
        marker = '    account: "111111111111"'
        text = text.replace(marker, f"{marker}\n    gpu_budget_monthly_usd: {budget}  #", 1)
    spec.write_text(text)
    return spec


def test_cost_json_is_deterministic_and_within_policy(tmp_path: Path) -> None:
    spec = spec_copy(tmp_path)
    code, out, _ = run("cost", "-f", str(spec), "--format", "json")
    assert code == 0
    again = run("cost", "-f", str(spec), "--format", "json")[1]
    assert out == again
    report = json.loads(out)
    assert set(report["environments"]) == {"dev", "prod", "staging"} and report["complete"] is True
    dev = report["environments"]["dev"]
    training = next(p for p in dev["pools"] if p["pool"] == "training")
    assert training["instance_type"] == "g6.2xlarge" and training["nodes"]["max"] == 2
    rate = training["rate"]["usd_per_hour"]
    assert training["monthly"]["max"] == round(2 * rate * 730, 2)
    assert training["rate"]["source"].startswith("https://")


def test_budget_overrun_exits_1_and_markdown_lists_it(tmp_path: Path) -> None:
    spec = spec_copy(tmp_path, budget=100)
    code, out, _ = run("cost", "-f", str(spec), "--format", "markdown", "--env", "dev")
    assert code == 1
    assert "| dev | training |" in out and "over the budget of $100.00" in out


def test_human_output_and_svg_and_png_charts(tmp_path: Path) -> None:
    spec = spec_copy(tmp_path)
    chart = tmp_path / "out" / "cost.svg"
    code, out, _ = run("cost", "-f", str(spec), "--chart", str(chart))
    assert code == 0 and "platform" in out and "prod" in out
    svg = chart.read_text()
    assert svg.startswith("<svg") and svg.count("<rect") == 6  # 3 envs x 2 pools
    png = tmp_path / "c.png"
    assert run("cost", "-f", str(spec), "--chart", str(png))[0] == 0
    from PIL import Image

    with Image.open(png) as image:
        assert image.format == "PNG" and image.size[0] > 700
        # the bands are drawn: the bar colour appears in the picture
        pixels = {image.getpixel((x, y)) for x in range(260, 780, 4) for y in range(40, image.size[1], 2)}
        assert (74, 123, 208) in pixels
    first = png.read_bytes()
    run("cost", "-f", str(spec), "--chart", str(png))
    assert png.read_bytes() == first, "the same report gives the same PNG"


def test_bad_input_exits_2(tmp_path: Path) -> None:
    spec = spec_copy(tmp_path)
    assert run("cost", "-f", str(spec), "--chart", str(tmp_path / "c.gif"))[0] == 2
    assert run("cost", "-f", str(spec), "--env", "qa")[0] == 2
    bad_plan = tmp_path / "plan.json"
    bad_plan.write_text('{"values": {}}')
    code, _, err = run("cost", "-f", str(spec), "--plan", str(bad_plan))
    assert code == 2 and "not a terraform plan" in err.lower()
    assert run("cost", "-f", str(tmp_path / "missing.yaml"))[0] == 2
    assert run("cost", "-f", str(spec), "--format", "xml")[0] == 2


def test_plan_delta_in_json(tmp_path: Path) -> None:
    spec = spec_copy(tmp_path)
    code, out, _ = run("cost", "-f", str(spec), "--plan", str(DATA / "plan_aws.json"), "--format", "json")
    assert code == 0
    changes = {c["address"]: c for c in json.loads(out)["plan"]["changes"]}
    serving = changes['module.gpu_pools.aws_eks_node_group.this["serving"]']
    rate = serving["after"]["rate"]["usd_per_hour"]
    assert serving["monthly_desired"]["change"] == round(rate * 730, 2)


def test_import_then_show_then_cost_uses_overlay(tmp_path: Path) -> None:
    spec = spec_copy(tmp_path)
    code, _, err = run("pricing", "import", str(DATA / "overlay_ok.csv"), "-f", str(spec))
    assert code == 0 and "imported 2 price row(s)" in err
    stored = json.loads((tmp_path / ".mlstrata" / "prices.json").read_text())
    assert [r["instance_type"] for r in stored["prices"]] == ["g6.xlarge", "p5.48xlarge"]
    code, out, _ = run("pricing", "show", "p5.48xlarge", "--region", "us-east-1", "-f", str(spec), "--format", "json")
    assert code == 0
    (quote,) = json.loads(out)["quotes"]
    assert quote["on_demand"] == {"usd_per_hour": 80.0, "source": "EDP 2026 contract", "date": "2026-10-01",
                                  "origin": "overlay"}
    assert quote["spot"]["origin"] == "catalog"
    code, out, _ = run("cost", "-f", str(spec), "--env", "prod", "--format", "json")
    training = next(p for p in json.loads(out)["environments"]["prod"]["pools"] if p["pool"] == "training")
    assert training["monthly"]["max"] == 4 * 80 * 730


def test_import_rejects_bad_rows_and_writes_nothing(tmp_path: Path) -> None:
    spec = spec_copy(tmp_path)
    code, _, err = run("pricing", "import", str(DATA / "overlay_bad.csv"), "-f", str(spec))
    assert code == 2 and "overlay_bad.csv:2" in err and "negative" in err
    assert not (tmp_path / ".mlstrata").exists()


def test_show_unknown_type_exits_1_with_closest(tmp_path: Path) -> None:
    shutil.copy(EXAMPLE, tmp_path / "platform.yaml")
    code, out, err = run("pricing", "show", "g6.3xlarge", "-f", str(tmp_path / "platform.yaml"))
    assert code == 1 and "Closest known types" in err
    code, out, _ = run("pricing", "show", "g6.xlarge", "-f", str(tmp_path / "platform.yaml"))
    assert code == 0 and "us-east-1" in out and "L4" in out


def test_issue_18_cost_output_details(tmp_path: Path) -> None:
    """Environments in the spec's order; the autoscaler footnote only where a pool uses it; the chart on a log
    scale with every instance type in its labels and a line saying where it went; `--plan` totals its changes."""
    quickstart = tmp_path / "quickstart.yaml"
    quickstart.write_text((REPO / "examples" / "quickstart" / "platform.yaml").read_text())
    code, out, err = run("cost", "-f", str(quickstart))
    assert code == 0
    rows = [line.split("│")[1].strip() for line in out.splitlines() if line.startswith("│")]
    assert [r for r in rows if r in ("dev", "staging", "prod")] == ["dev", "staging", "prod"]
    assert "autoscaler" not in out, "no quickstart pool leaves desired to the autoscaler"
    code, out, _ = run("cost", "-f", str(spec_copy(tmp_path)))
    assert "* desired is owned by the autoscaler" in out
    chart = tmp_path / "charts" / "cost.svg"
    code, _, err = run("cost", "-f", str(spec_copy(tmp_path)), "--chart", str(chart))
    assert code == 0 and f"chart written to {chart}" in err
    svg = chart.read_text()
    assert "log scale" in svg and "(g6e.xlarge, g6e.2xlarge)" in svg
    widths = [float(w) for w in re.findall(r'<rect x="[0-9.]+" y="[0-9]+" width="([0-9.]+)"', svg)]
    assert min(widths) > 60, "the smallest pool is still visible beside a $287k one"
    code, out, _ = run("cost", "-f", str(spec_copy(tmp_path)), "--plan", str(DATA / "plan_aws.json"), "--format",
                       "json")
    plan = json.loads(out)["plan"]
    priced = [c["monthly_desired"]["change"] for c in plan["changes"] if c["monthly_desired"]["change"] is not None]
    assert plan["total"]["desired"] == round(sum(priced), 2)
    assert plan["total"]["unpriced_changes"] == len(plan["changes"]) - len(priced)
    code, out, _ = run("cost", "-f", str(spec_copy(tmp_path)), "--plan", str(DATA / "plan_aws.json"))
    assert re.search(r"│ total( \(without \d+ unpriced changes?\))?\s+│", out), out


def test_sagemaker_endpoints_are_priced_after_an_import_and_said_unpriced_before(tmp_path: Path) -> None:
    """`cost` on a SageMaker platform: without a sourced ml.* price each class reads `unpriced` with the reason
    (never $0); after `pricing import` of a row for its type and region, it is priced with that row's source."""
    spec = tmp_path / "platform.yaml"
    shutil.copy(REPO / "tests" / "testdata" / "render" / "aws-multi-region" / "spec.yaml", spec)
    code, out, _ = run("cost", "-f", str(spec), "--env", "production", "--format", "markdown")
    assert code == 0
    assert "### SageMaker endpoints (billed on top of the pools above)" in out
    assert "| production | ranker-api | inference_components | ml.g6e.xlarge | 1/4 | unpriced | unpriced | " \
           "no sourced price |" in out
    assert "$0.00" not in out.split("### SageMaker endpoints")[1].split("###")[0]
    prices = tmp_path / "prices.csv"
    prices.write_text("region,instance_type,on_demand_usd_per_hour,source,date\n"
                      "us-east-1,ml.g6e.xlarge,2.5,AWS Price List 2026-11,2026-11-30\n")
    code, _, err = run("pricing", "import", str(prices), "-f", str(spec))
    assert code == 0, err
    code, out, _ = run("cost", "-f", str(spec), "--env", "production", "--format", "json")
    prod = json.loads(out)["environments"]["production"]
    api = next(c for c in prod["sagemaker"] if c["endpoint"] == "ranker-api")
    assert api["monthly"] == {"min": 1825.0, "max": 7300.0}
    assert api["price"]["source"] == "AWS Price List 2026-11" and api["price"]["origin"] == "overlay"
    assert prod["sagemaker_monthly"]["max"] == 7300.0
