"""`mlstrata validate`: check the spec, nothing else."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from mlstrata.cli.common import FormatOption, SpecOption, bad_format, command, load_spec_or_report
from mlstrata.cli.output import EXIT_OK, EXIT_USAGE, err_console


def validate(spec: Path = SpecOption, fmt: str = FormatOption) -> int:
    """Check platform.yaml: structure, types, and the cross-field rules (scaling bounds, GPU instance
    types, overrides for unknown environments, promotion stages, pipeline needs).

    Errors show file:line:column, the key path and a hint. Exit codes: 0 valid, 2 invalid.
    """
    if bad_format("validate", fmt):
        return EXIT_USAGE
    loaded = load_spec_or_report(spec, fmt)
    if loaded is None:
        return EXIT_USAGE
    from mlstrata.spec.resolve import resolve  # loaded by the spec already; not for --help

    envs = resolve(loaded.platform, loaded.source.data)
    if fmt == "json":
        payload = {
            "valid": True,
            "platform": loaded.platform.platform,
            "target": loaded.platform.target,
            "environments": {
                name: {
                    "region": env.region,
                    "protect": env.protect,
                    "gpu_pools": {p: s.model_dump(mode="json") for p, s in env.gpu_pools.items()},
                }
                for name, env in envs.items()
            },
            "diagnostics": [d.to_dict() for d in loaded.warnings],
        }
        sys.stdout.write(json.dumps(payload, indent=2, sort_keys=True) + "\n")
    else:
        pools = len(loaded.platform.gpu_pools)
        err_console().print(f"[green]✓[/] {spec}: platform [bold]{loaded.platform.platform}[/] "
                          f"({loaded.platform.target}), {len(envs)} environment{'s' if len(envs) != 1 else ''}, "
                          f"{pools} GPU pool{'s' if pools != 1 else ''}")
    return EXIT_OK


def register(app: typer.Typer) -> None:
    app.command("validate")(command(validate))
