"""A report that cannot be written: every command that writes one, as a real process, with stdout on /dev/full
(one error line, exit 74) and on a pipe whose reader is gone (quiet, exit 141); never a traceback, never exit 0
with the output lost (mlstrata.cli.streams)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.cli import CliResult, mlstrata

from mlstrata.cli.streams import EXIT_CLOSED_PIPE, EXIT_OUTPUT

REPO = Path(__file__).resolve().parents[2]
TESTDATA = REPO / "tests" / "testdata"
PLAN = TESTDATA / "pricing" / "plan_aws.json"
FAILING_TF = TESTDATA / "rules" / "MLS012" / "fail"
AWS_SPEC = REPO / "examples" / "aws" / "platform.yaml"
ENOSPC_LINE = ("error: writing to {name} failed: No space left on device (ENOSPC); the output is incomplete. "
               "hint: send {name} where it can be written (a disk with room, a reader that reads to the end) "
               "and run the command again\n")

# each case runs the real CLI twice as a process (~1 s CPU of start-up each; drift and parity run Terraform)
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")]

# (id, arguments); `{spec}` is the quickstart spec of a rendered, git-committed tree (never applied), `{tree}`
# its folder. Each writes its report to stdout (status and output: their JSON; their tables go to stderr).
COMMANDS = [
    ("help", ["--help"]),
    ("version", ["--version"]),
    ("command-help", ["check", "--help"]),
    ("schema", ["schema"]),
    ("validate-json", ["validate", "--spec", "{spec}", "--format", "json"]),
    ("render-check-json", ["render", "--spec", "{spec}", "--check", "--format", "json"]),
    ("check", ["check", str(FAILING_TF)]),
    ("check-sarif", ["check", str(FAILING_TF), "--format", "sarif"]),
    ("review", ["review", str(PLAN), "--no-spec"]),  # ends through os._exit (mlstrata.cli.keep_until_exit)
    ("review-json", ["review", str(PLAN), "--no-spec", "--format", "json"]),
    ("rules", ["rules"]),
    ("rule", ["rules", "MLS012"]),
    ("cost", ["cost", "--spec", str(AWS_SPEC)]),
    ("pricing-show", ["pricing", "show", "p4d.24xlarge"]),
    ("history", ["history", "--spec", "{spec}"]),
    ("status-json", ["status", "--spec", "{spec}", "--format", "json"]),
    ("output-json", ["output", "--spec", "{spec}", "--format", "json"]),
    ("parity-json", ["parity", "--spec", "{spec}", "--format", "json"]),
    ("drift-json", ["drift", "--spec", "{spec}", "--env", "dev", "--format", "json"]),
    ("affected", ["affected", "--spec", "{spec}", "--base", "HEAD", "--format", "json"]),
    ("ci-comment", ["ci", "comment", "--affected", "{tree}/affected.json", "--plans", "{tree}/plans"]),
]


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The quickstart rendered into a git repository; affected.json and an empty plans folder for `ci comment`."""
    folder = tmp_path_factory.mktemp("quickstart")
    shutil.copy(REPO / "examples" / "quickstart" / "platform.yaml", folder / "platform.yaml")
    rendered = mlstrata("render", "--spec", str(folder / "platform.yaml"), process=True)
    assert rendered.returncode == 0, rendered.output
    (folder / "affected.json").write_text('{"units": [], "removed_environments": []}\n')
    (folder / "plans").mkdir()
    git = ["git", "-C", str(folder), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    for step in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "quickstart"]):
        subprocess.run([*git, *step], check=True, capture_output=True)
    yield folder


def run(tree: Path, args: list[str], **streams: int) -> CliResult:
    spec = str(tree / "platform.yaml")
    return mlstrata(*(a.format(spec=spec, tree=tree) for a in args), cwd=tree, timeout=600, **streams)


def no_traceback(result: CliResult) -> None:
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr, result.stderr


@contextlib.contextmanager
def full_disk() -> Iterator[int]:
    """A descriptor every write to fails with ENOSPC."""
    fd = os.open("/dev/full", os.O_WRONLY)
    try:
        yield fd
    finally:
        os.close(fd)


@contextlib.contextmanager
def gone_reader() -> Iterator[int]:
    """A pipe's write end whose reader is gone before the first write: every write fails (EPIPE), no race."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        yield write_end
    finally:
        os.close(write_end)


@pytest.mark.parametrize("args", [a for _, a in COMMANDS], ids=[i for i, _ in COMMANDS])
def test_stdout_on_a_full_disk_is_one_error_line_and_exit_74(tree: Path, args: list[str]) -> None:
    with full_disk() as fd:
        result = run(tree, args, stdout=fd)
    no_traceback(result)
    assert result.returncode == EXIT_OUTPUT, result.stderr
    assert result.stderr.endswith(ENOSPC_LINE.format(name="stdout")), result.stderr
    assert result.stderr.count("error: writing to") == 1


@pytest.mark.parametrize("args", [a for _, a in COMMANDS], ids=[i for i, _ in COMMANDS])
def test_stdout_on_a_pipe_closed_early_ends_quietly_with_141(tree: Path, args: list[str]) -> None:
    with gone_reader() as fd:
        result = run(tree, args, stdout=fd)
    no_traceback(result)
    assert result.returncode == EXIT_CLOSED_PIPE, result.stderr
    assert "error: writing to" not in result.stderr  # quiet, as `cat` or `grep` end under `| head -1`


def test_a_message_on_stderr_that_cannot_be_written_is_not_a_success(tree: Path) -> None:
    """`validate` writes its verdict to stderr: lost there (nowhere left to say so), it exits 74, not 0."""
    with full_disk() as fd:
        lost = run(tree, ["validate", "--spec", "{spec}"], stderr=fd)
    assert (lost.returncode, lost.stdout) == (EXIT_OUTPUT, "")
    with gone_reader() as fd:
        closed = run(tree, ["validate", "--spec", "{spec}"], stderr=fd)
    assert (closed.returncode, closed.stdout) == (EXIT_CLOSED_PIPE, "")
    fine = run(tree, ["validate", "--spec", "{spec}"], stdout=subprocess.DEVNULL)  # the same run, written
    assert fine.returncode == 0 and "✓" in fine.stderr, fine.stderr


def test_an_error_report_lost_on_stdout_still_fails_and_says_so(tree: Path, tmp_path: Path) -> None:
    """A bad spec with --format json: the diagnostics go to stdout; lost, the exit is 74 with the line (not 2 with
    nothing shown, which would read as "invalid" with no reason anywhere)."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("platform: [\n")
    with full_disk() as fd:
        result = run(tree, ["validate", "--spec", str(bad), "--format", "json"], stdout=fd)
    no_traceback(result)
    assert result.returncode == EXIT_OUTPUT and result.stderr == ENOSPC_LINE.format(name="stdout"), result.stderr
