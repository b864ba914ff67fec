"""The checks every cloud target runs the same way on its own naming facts: each environment's account (AWS
account, GCP project, Azure subscription), every region the spec names, and principals. The targets call them;
this module imports no target."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mlstrata.diagnostics import Diagnostic
from mlstrata.spec.models import Platform
from mlstrata.spec.source import KeyPath, Source, diagnostics_at


@dataclass(frozen=True)
class Naming:
    """How one cloud names an environment's account and a region, and what to say when a name is wrong."""

    account_ok: Callable[[str], bool]
    account_missing_hint: str
    account_bad: str  # summary; `{account}` is replaced
    account_bad_hint: str
    account_code: str
    region_problem: Callable[[str], str | None]  # the hint for a region that is not one, else None
    region_bad: str  # summary; `{region}` is replaced
    region_code: str


def check_accounts_and_regions(platform: Platform, source: Source, naming: Naming) -> list[Diagnostic]:
    """Every environment has a well-formed account; the platform's and every environment's region exist."""
    out: list[Diagnostic] = []
    regions: list[tuple[KeyPath, str]] = [(("region",), platform.region)]
    for env_name, env in platform.environments.items():
        path: KeyPath = ("environments", env_name)
        if env.region:
            regions.append(((*path, "region"), env.region))
        if env.account is None:
            out.append(diagnostics_at(source, path, f"environment `{env_name}` needs `account`",
                                      naming.account_missing_hint, key=True, code=naming.account_code))
        elif not naming.account_ok(env.account):
            out.append(diagnostics_at(source, (*path, "account"), naming.account_bad.format(account=env.account),
                                      naming.account_bad_hint, code=naming.account_code))
    for path, region in regions:
        hint = naming.region_problem(region)
        if hint is not None:
            out.append(diagnostics_at(source, path, naming.region_bad.format(region=region), hint,
                                      code=naming.region_code))
    return out


def check_principal_names(source: Source, places: Sequence[tuple[KeyPath, Sequence[str]]],
                          valid: Callable[[str], bool], bad: str, hint: str, code: str) -> list[Diagnostic]:
    """Every principal in `places` (spec.principals.principal_places, plus the target's own) that `valid`
    rejects, at its position; `bad` is the summary with `{principal}` replaced."""
    return [diagnostics_at(source, (*path, i), bad.format(principal=principal), hint, code=code)
            for path, principals in places for i, principal in enumerate(principals) if not valid(principal)]
