"""`mlstrata pricing import FILE` and `mlstrata pricing show TYPE`: the prices `mlstrata cost` uses."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.table import Table

from mlstrata.cli.common import SpecOption, bad_format, command, format_option
from mlstrata.cli.output import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, err_console, out_console, show_diagnostics
from mlstrata.pricing import load_overlay, load_price_book, overlay_path, parse_overlay_rows
from mlstrata.pricing.catalog import CLOUDS
from mlstrata.userfiles import MiB, read_user_text, write_user_file

pricing_app = typer.Typer(name="pricing", help="The GPU prices `mlstrata cost` uses: catalog and your overlay.",
                          no_args_is_help=True, add_completion=False)


def import_prices(
    file: Path = typer.Argument(..., help="CSV (with a header line) or JSON price rows.", dir_okay=False),
    spec: Path = SpecOption,
    cloud: str = typer.Option("aws", "--cloud", help="Cloud of rows that do not name one."),
) -> int:
    """Layer negotiated or committed prices over the catalog.

    Columns: cloud (optional), region, instance_type, on_demand_usd_per_hour, spot_usd_per_hour,
    capacity_block_usd_per_hour (at least one), source (e.g. "EDP 2026 contract"), date (YYYY-MM-DD).
    Rows are stored in .mlstrata/prices.json beside the spec (commit it with the spec); a row replaces
    an earlier one for the same cloud, region and type. Exit codes: 0 imported, 2 bad input.
    """
    if cloud not in CLOUDS:
        raise typer.BadParameter(f"unknown cloud `{cloud}`; use one of: {', '.join(CLOUDS)}", param_hint="--cloud")
    text = read_user_text(file, what="price file", code="pricing.overlay", max_bytes=16 * MiB)
    rows, problems = parse_overlay_rows(text, str(file), cloud)
    target = overlay_path(spec)
    existing, stored_problems = load_overlay(target)
    problems += stored_problems
    if problems:
        show_diagnostics(problems)
        return EXIT_USAGE
    merged = existing.merged(rows)
    write_user_file(target, merged.to_json(), what="price overlay", parents=True)
    err_console().print(f"[green]✓[/] imported {len(rows)} price row(s) into {target} ({len(merged.prices)} in all)")
    return EXIT_OK


def show(
    instance_type: str = typer.Argument(..., help="Instance or machine type, e.g. p5.48xlarge."),
    region: str | None = typer.Option(None, "--region", "-r", help="Only this region."),
    cloud: str = typer.Option("aws", "--cloud", help="aws, gcp or azure."),
    spec: Path = SpecOption,
    fmt: str = format_option("pricing"),
) -> int:
    """Show the prices that will be used for a type (per region) and where each came from.

    Exit codes: 0 shown, 1 no price known for the type (or region), 2 bad input.
    """
    if bad_format("pricing", fmt):
        return EXIT_USAGE
    if cloud not in CLOUDS:
        raise typer.BadParameter(f"unknown cloud `{cloud}`; use one of: {', '.join(CLOUDS)}", param_hint="--cloud")
    book, problems = load_price_book(spec)
    if book is None:
        show_diagnostics(problems, fmt)
        return EXIT_USAGE
    overlay_prices = book.overlay.prices if book.overlay else {}
    regions = sorted({*book.catalog.regions(cloud, instance_type),
                      *(r for c, r, t in overlay_prices if c == cloud and t == instance_type)})
    if region is not None:
        regions = [region]
    quotes = [q for q in (book.quote(cloud, r, instance_type) for r in regions) if q.known]
    if fmt == "json":
        sys.stdout.write(json.dumps({"instance_type": instance_type, "cloud": cloud,
                                     "quotes": [q.to_dict() for q in quotes]}, indent=2, sort_keys=True) + "\n")
    elif quotes:
        table = Table(title=f"{instance_type} ({cloud})", show_lines=False)
        for col in ("region", "on-demand $/h", "spot $/h", "capacity block $/h", "from"):
            table.add_column(col, overflow="fold")
        for q in quotes:
            cells = [f"{p.usd_per_hour:,.4f}" + (" *" if p.origin == "overlay" else "") if p else "-"
                     for p in (q.on_demand, q.spot, q.capacity_block)]
            origins = sorted({f"{p.source} ({p.date})" for p in (q.on_demand, q.spot, q.capacity_block) if p})
            table.add_row(q.region, *cells, "\n".join(origins))
        out_console().print(table)
        hw = next((q.hardware for q in quotes if q.hardware), None)
        if hw:
            out_console().print(f"{hw.gpu_count} x {hw.gpu_model} ({hw.gpu_memory_gib:g} GiB each), {hw.vcpu} vCPU, "
                              f"{hw.memory_gib:g} GiB memory; * = your overlay ({overlay_path(spec)})")
    if not quotes:
        close = book.closest(cloud, region or "", instance_type)
        hint = f" Closest known types: {', '.join(close)}." if close else ""
        err_console().print(f"[yellow]warning[/]: no price known for {instance_type}"
                          f"{' in ' + region if region else ''} ({cloud}).{hint}")
        return EXIT_FINDINGS
    return EXIT_OK


pricing_app.command("import")(command(import_prices))
pricing_app.command("show")(command(show))


def register(app: typer.Typer) -> None:
    app.add_typer(pricing_app, name="pricing")
