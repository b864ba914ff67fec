"""How the review gate's verdict is shown: blocking findings with their ids, accepted ones with their reason,
and how to proceed (the command with every id, and the acceptance-file form)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape

from mlstrata.governance.gate import Reviewed


def proceed_lines(command: str, reviewed: Sequence[Reviewed]) -> list[str]:
    """How to get past the gate: the command with every unaccepted id, and the acceptance-file form."""
    ids = [g.id for r in reviewed for g in r.verdict.blocking if g.acceptance is None]
    envs = sorted({r.verdict.unit.split("/")[0] for r in reviewed if r.verdict.blocked})
    accepts = " ".join(f"--accept {i}" for i in ids)
    env_args = " ".join(f"--env {e}" for e in envs)
    lines = ["to proceed, accept each blocking finding with a reason (the journal keeps it):",
             f"  mlstrata {command} {env_args} {accepts} --reason \"<why this is intended>\"",
             "or commit a reviewed acceptance file and pass --accept-file FILE:", "  accept:"]
    for r in reviewed:
        for g in r.verdict.blocking:
            if g.acceptance is None:
                lines += [f"    - finding: {g.id}", f"      plan: \"{r.verdict.plan_sha256}\"",
                          "      reason: \"<why this is intended>\""]
    return lines


def show_blocked(reviewed: Sequence[Reviewed], command: str, console: Console, *, show_where: bool = True) -> None:
    """Each plan's blocking findings (id, place, resource, summary; the reason when accepted), then how to
    proceed when something is still blocked."""
    for r in reviewed:
        v = r.verdict
        if not v.blocking:
            continue
        open_ = [g for g in v.blocking if g.acceptance is None]
        state = f"[bold red]blocked[/] ({len(open_)} not accepted)" if open_ else "[green]accepted[/]"
        console.print(f"[bold]{escape(v.unit)}[/] plan {v.plan_sha256[:12]}: {state}")
        for g in v.blocking:
            mark = "[green]accepted[/]" if g.acceptance else "[bold red]blocking[/]"
            where = f"{g.finding.where}: " if g.finding.where and show_where else ""
            console.print(f"  {g.id} {mark} {escape(where)}[bold]{escape(g.finding.path)}[/]: "
                          f"{escape(g.finding.summary)}")
            if g.acceptance is not None:
                console.print(f"    reason: {escape(g.acceptance.reason)} [dim]({escape(g.acceptance.source)})[/]")
    if any(r.verdict.blocked for r in reviewed):
        for line in proceed_lines(command, reviewed):
            console.print(escape(line), soft_wrap=True)
