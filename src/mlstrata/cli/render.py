"""`mlstrata render`: spec -> Terraform repository."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from mlstrata.cli.common import FormatOption, SpecOption, bad_format, command, load_spec_hashed
from mlstrata.cli.output import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, err_console, show_diagnostics
from mlstrata.diagnostics import DiagnosticsError
from mlstrata.render.stamp import record
from mlstrata.render.tree import compare_tree, render_tree, write_tree
from mlstrata.repo import unit_of_file
from mlstrata.spec.models import LAYERS
from mlstrata.workspace import default_repo, run_profile


def render(
    spec: Path = SpecOption,
    out: Path | None = typer.Option(None, "--out", "-o",
                                    help="Where to write the repository [default: infra/ beside the spec]."),
    check: bool = typer.Option(False, "--check",
                               help="Write nothing; exit 1 if the tree on disk differs from what the spec renders."),
    fmt: str = FormatOption,
) -> int:
    """Render platform.yaml into a Terraform repository: modules/, live/<env>/<layer>/, bootstrap/, README.md.

    Rendering is deterministic (same spec, byte-identical tree) and safe: files are staged in a temporary
    folder and moved into place only when all are written; files mlstrata does not manage are never touched.
    Exit codes: 0 done (or up to date with --check), 1 out of date (--check), 2 bad spec.
    """
    hashed = None if bad_format("render", fmt) else load_spec_hashed(spec, fmt)
    if hashed is None:
        return EXIT_USAGE
    loaded, spec_sha256 = hashed
    target_dir = out if out is not None else default_repo(spec)
    tree = render_tree(loaded)
    if check:
        diff = compare_tree(tree, target_dir)
        if fmt == "json":
            sys.stdout.write(json.dumps({"up_to_date": diff.clean, "missing": diff.missing,
                                         "changed": diff.changed, "stale": diff.stale}, indent=2) + "\n")
        elif diff.clean:
            err_console().print(f"[green]✓[/] {target_dir} is up to date with {spec} ({len(tree.files)} files)")
        else:
            for label, paths in (("missing", diff.missing), ("changed", diff.changed), ("stale", diff.stale)):
                for p in paths:
                    err_console().print(f"  {label:8} {target_dir / p}")
            err_console().print(f"[bold red]{target_dir} is out of date[/]: "
                                "run `mlstrata render` and commit the result")
        return EXIT_OK if diff.clean else EXIT_FINDINGS
    try:
        result = write_tree(tree, target_dir)
    except DiagnosticsError as exc:
        show_diagnostics(exc.diagnostics, fmt)
        return EXIT_USAGE
    if spec_sha256 is not None:  # the next command can tell the tree is current without rendering it
        record(target_dir, spec, spec_sha256, tree.digest(), run_profile(loaded))
    if fmt == "json":
        sys.stdout.write(json.dumps({"out": str(target_dir), "files": len(tree.files),
                                     "written": result.written, "removed": result.removed}, indent=2) + "\n")
    else:
        envs, layers = list(loaded.platform.environments), list[str](LAYERS)  # spec order, base before platform
        units = sorted({u for u in map(unit_of_file, tree.files) if u is not None},
                       key=lambda u: (envs.index(u.split("/")[0]) if u.split("/")[0] in envs else len(envs),
                                      layers.index(u.split("/")[1]) if u.split("/")[1] in layers else len(layers), u))
        err_console().print(f"[green]✓[/] rendered {len(tree.files)} files into {target_dir} "
                          f"({len(result.written)} written, {result.unchanged} unchanged, "
                          f"{len(result.removed)} removed)")
        err_console().print(f"  units: {', '.join(units)}")
    return EXIT_OK


def register(app: typer.Typer) -> None:
    app.command("render")(command(render))
