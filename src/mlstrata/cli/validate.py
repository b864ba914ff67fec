"""`mlstrata validate`: check the spec, nothing else."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from mlstrata.cli.common import FormatOption, SpecOption, bad_format, command, load_spec_or_report
from mlstrata.cli.output import EXIT_OK, EXIT_USAGE, err_console, show_diagnostics


def validate(spec: Path = SpecOption, fmt: str = FormatOption) -> int:
    """Check platform.yaml: structure, types, and the cross-field rules (scaling bounds, GPU instance
    types, overrides for unknown environments, promotion stages, pipeline needs).

    Errors show file:line:column, the key path and a hint. Exit codes: 0 valid, 2 invalid.
    """
    if bad_format("validate", fmt):
        return EXIT_USAGE
    from mlstrata.render.stamp import current_profile

    # the render stamp beside the spec vouches for this very spec file and mlstrata: replay what it recorded
    profile = current_profile(spec.parent / "infra", spec, tree=False)
    if profile is not None and profile.validation:
        facts, warnings = json.loads(profile.validation), list(profile.warnings)
        if warnings and fmt != "json":
            show_diagnostics(warnings, fmt)  # as `load_spec_or_report` shows them
    else:
        loaded = load_spec_or_report(spec, fmt)
        if loaded is None:
            return EXIT_USAGE
        from mlstrata.spec.summary import validation_facts

        facts, warnings = validation_facts(loaded), loaded.warnings
    pools = facts.pop("gpu_pool_count")
    if fmt == "json":
        payload = {**facts, "diagnostics": [d.to_dict() for d in warnings]}
        sys.stdout.write(json.dumps(payload, indent=2, sort_keys=True) + "\n")
    else:
        envs = len(facts["environments"])
        err_console().print(f"[green]✓[/] {spec}: platform [bold]{facts['platform']}[/] "
                          f"({facts['target']}), {envs} environment{'s' if envs != 1 else ''}, "
                          f"{pools} GPU pool{'s' if pools != 1 else ''}")
    return EXIT_OK


def register(app: typer.Typer) -> None:
    app.command("validate")(command(validate))
