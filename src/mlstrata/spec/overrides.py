"""Per-environment `overrides` of pools and endpoint classes: errors pointed at the key the override set."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from mlstrata.diagnostics import Diagnostic, did_you_mean
from mlstrata.spec.source import KeyPath, Source, diagnostics_at


def override_remap(base: KeyPath, env: str, override: dict[str, Any]) -> Callable[[KeyPath], KeyPath]:
    """Point an error in a resolved pool or endpoint class (at `base`, e.g. (gpu_pools, training)) at the
    override key if the override set it."""

    def remap(path: KeyPath) -> KeyPath:
        rel = path[len(base):]
        probe: Any = override
        for part in rel:
            if isinstance(probe, dict) and part in probe:  # noqa: SIM114 — separate so mypy narrows each
                probe = probe[part]
            elif isinstance(probe, list) and isinstance(part, int) and part < len(probe):
                probe = probe[part]
            else:
                return path
        return (*base, "overrides", env, *rel)

    return remap


def unknown_override_envs(source: Source, base_path: KeyPath, overrides: Mapping[str, object],
                           envs: list[str]) -> list[Diagnostic]:
    """A pool's `overrides` naming an environment the spec does not declare."""
    out: list[Diagnostic] = []
    for env in overrides:
        if env not in envs:
            hint = did_you_mean(env, envs)
            out.append(diagnostics_at(
                source, (*base_path, "overrides", env), f"override for unknown environment `{env}`",
                ((hint + " ") if hint else "") + f"Environments: {', '.join(envs)}.",
                key=True, code="spec.unknown_env"))
    return out
