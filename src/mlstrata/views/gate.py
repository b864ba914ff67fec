"""How the review gate's verdict is shown: blocking findings with their ids, accepted ones with their reason,
and how to proceed (the command with every id, and the acceptance-file form)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from mlstrata.governance.gate import Reviewed
from mlstrata.views.human import append_finding


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
                lines += [f"    - finding: {g.id}", f"      plan: \"{r.verdict.binding}\"",
                          "      reason: \"<why this is intended>\""]
    return lines


def show_blocked(reviewed: Sequence[Reviewed], command: str, console: Console, *, full: bool = True) -> None:
    """Each plan's blocking findings with their ids (the reason when accepted), then how to proceed when
    something is still blocked. `full` shows every finding of those plans as `mlstrata review` does (where,
    what, why, how to fix); without it (after `plan` printed the review) one line per blocking finding."""
    for r in reviewed:
        v = r.verdict
        if not v.blocking:
            continue
        open_ = [g for g in v.blocking if g.acceptance is None]
        state = f"[bold red]blocked[/] ({len(open_)} not accepted)" if open_ else "[green]accepted[/]"
        console.print(f"[bold]{escape(v.unit)}[/] plan {v.binding[:12]}: {state}")
        gated = {id(g.finding): g for g in v.blocking}
        for finding in r.findings if full else [g.finding for g in v.blocking]:
            g = gated.get(id(finding))
            out = Text("  " if g is not None or not full else "")
            if g is not None:
                out.append(g.id, style="bold")
                out.append(" ")
                out.append(*(("accepted", "green") if g.acceptance else ("blocking", "bold red")))
                out.append("\n" if full else ": ")
            if full:
                append_finding(out, finding, "    " if g is not None else "  ")
            else:
                out.append(finding.path, style="bold")
                out.append(f": {finding.summary}\n")
            if g is not None and g.acceptance is not None:
                out.append(f"    accepted because: {g.acceptance.reason} ")
                out.append(f"({g.acceptance.source})\n", style="dim")
            console.print(out, end="", soft_wrap=True)
    if any(r.verdict.blocked for r in reviewed):
        for line in proceed_lines(command, reviewed):
            console.print(escape(line), soft_wrap=True)
