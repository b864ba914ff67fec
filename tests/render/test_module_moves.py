"""Modules whose resources moved (into the shared s3_bucket module, monitoring_stack, ...) keep existing state.

Each case under tests/testdata/module_moves/<target>/<module>/ holds the files of the module as released before
the move that differ from today's (`before/`: the previous release is today's module with those files in place
of its own; the variables did not change). A module moved more than once keeps the files of each earlier
release too (`before-<the change it predates>/`, e.g. `aws/gpu_node_pool/before-one-node-group/`), so state
from any of them is checked against today's moves; `before/` is the latest release and the one planned. The
static test below checks, without Terraform, that every old resource address still exists or has a `moved`
block that lands on a resource of the module it names (a sibling in the target's library or a shared
Kubernetes module, resolved as render resolves them). An AWS case with a `terraform test` file
(`move.tftest.hcl`) is also planned across: the old module is applied against a mocked hashicorp/aws provider
(no account needed), then the current module plans on that state and must move every resource and create or
destroy none (the only provider binary here is hashicorp/aws: Helm, Google and AzureRM cases are checked
statically).
https://developer.hashicorp.com/terraform/language/modules/develop/refactoring
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from aws_provider5 import MODULES, five_x, five_x_copy, scratch_root, terraform

from mlstrata.hcl import parse_file
from mlstrata.render.tree import SHARED_PACKAGE

REPO = Path(__file__).resolve().parents[2]
CASES = REPO / "tests" / "testdata" / "module_moves"
LIBRARY = MODULES.parent
SHARED = LIBRARY / SHARED_PACKAGE
MOVED = sorted(f"{p.parent.name}/{p.name}" for p in CASES.glob("*/*") if (p / "before").is_dir())
PLANNED = [case for case in MOVED if (CASES / case / "move.tftest.hcl").is_file()]
# What an upgrade of a planned case may create beside its moves: resources added to the module since that
# release, each with a line (key, value) its planned block must hold. Nothing else may be created.
ADDED: dict[str, dict[str, str]] = {
    # Cluster Autoscaler's node-template tag, so an idle EFA pool (min 0) scales up for a pod asking for EFA
    "aws/gpu_node_pool": {
        'aws_autoscaling_group_tag.node_template["vpc.amazonaws.com/efa"]':
            '"k8s.io/cluster-autoscaler/node-template/resources/vpc.amazonaws.com/efa"',
    },
}


def _resources(folder: Path) -> set[str]:
    """Managed resource addresses declared in a module's folder (data sources hold no state)."""
    out: set[str] = set()
    for tf in sorted(folder.glob("*.tf")):
        for block in parse_file(str(tf)).body.blocks:
            if block.type == "resource" and len(block.labels) == 2:
                out.add(".".join(block.labels))
    return out


def _moves(folder: Path) -> dict[str, str]:
    """`moved` blocks of a module: from-address -> to-address, as written."""
    out: dict[str, str] = {}
    for tf in sorted(folder.glob("*.tf")):
        for block in parse_file(str(tf)).body.blocks:
            if block.type == "moved":
                attrs = block.body.attributes
                out[attrs["from"].expr_text] = attrs["to"].expr_text
    return out


def _unindexed(address: str) -> str:
    return re.sub(r"\[[^\]]*\]", "", address)


def _target_exists(module: Path, address: str) -> bool:
    """<type>.<name> is a resource of `module`; module.<call>.<type>.<name> one of the library module that
    <call> sources (instance keys aside)."""
    address = _unindexed(address)
    if re.fullmatch(r"[a-z0-9_]+\.[a-z0-9_]+", address):
        return address in _resources(module)
    m = re.fullmatch(r"module\.([a-z0-9_]+)\.([a-z0-9_]+\.[a-z0-9_]+)", address)
    if m is None:
        return False
    for tf in sorted(module.glob("*.tf")):
        for block in parse_file(str(tf)).body.blocks:
            if block.type == "module" and block.labels == [m[1]]:
                source = block.body.attributes["source"].expr_text.strip('"')
                called = (module / source).resolve()
                if not called.is_dir():  # not the target's own: a shared Kubernetes module (see render.tree)
                    called = SHARED / called.name
                return m[2] in _resources(called)
    return False


def test_every_moved_module_has_a_case() -> None:
    """A library module with a `moved` block needs its case here (the files of the release before the move)."""
    with_moves = sorted(f"{folder.parent.name}/{folder.name}" for folder in LIBRARY.glob("*/*")
                        if folder.is_dir() and _moves(folder))
    assert with_moves == MOVED


def _problems(before_dir: Path, module: Path) -> tuple[list[str], list[str]]:
    """Old addresses neither kept nor moved, and moved blocks that land on no resource."""
    before = _resources(before_dir)
    now = _resources(module)
    moves = {_unindexed(a): to for a, to in _moves(module).items()}
    assert before, "the before/ copy declares no resource"
    lost = sorted(a for a in before if a not in now and a not in moves)
    dangling = sorted(f"{a} -> {to}" for a, to in moves.items() if not _target_exists(module, to))
    return lost, dangling


RELEASES = [f"{case}/{before.name}" for case in MOVED for before in sorted(CASES.joinpath(case).glob("before*"))
            if before.is_dir()]


@pytest.mark.parametrize("release", RELEASES)
def test_every_old_address_is_kept_or_moved(release: str) -> None:
    case = release.rsplit("/", 1)[0]
    lost, dangling = _problems(CASES / release, LIBRARY / case)
    assert not lost, f"{release}: these addresses would be destroyed and created again: {lost}"
    assert not dangling, f"{release}: moved blocks point at no resource: {dangling}"


def test_a_missing_or_dangling_move_is_found(tmp_path: Path) -> None:
    """The check above on a copy of a case with one moved block removed and another pointed elsewhere."""
    case = "gcp/observability"
    module = tmp_path / "modules" / "gcp" / "observability"
    shutil.copytree(LIBRARY / case, module)
    shutil.copytree(SHARED / "monitoring_stack", module.parent / "monitoring_stack")
    main = module / "main.tf"
    text = main.read_text()
    dcgm = "moved {\n  from = helm_release.dcgm_exporter\n  to   = module.stack.helm_release.dcgm_exporter\n}\n"
    assert dcgm in text
    text = text.replace(dcgm, "").replace("to   = module.stack.helm_release.kube_prometheus_stack",
                                          "to   = module.stack.helm_release.prometheus")
    main.write_text(text)
    lost, dangling = _problems(CASES / case / "before", module)
    assert lost == ["helm_release.dcgm_exporter"]
    assert dangling == ["helm_release.kube_prometheus_stack -> module.stack.helm_release.prometheus"]


_RUN = re.compile(r'^run "[^"]+" \{\n.*?^\}\n', re.M | re.S)
_FILE = re.compile(r"^tests/(\S+)\.\.\. in progress$", re.M)


@pytest.fixture(scope="module")
def move_plans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Every planned case's test file in one `terraform test -verbose` run, its output by case ("" for what
    precedes the first file): the aws provider starts for one run instead of one per case. Each case's module
    is a folder of the root, its previous release under `<module>/tests/before`; every run block names the
    module it plans (a case's runs share their state by `state_key`, within their own file)."""
    work, env = scratch_root(tmp_path_factory, "module_moves")
    files = {}
    for case in PLANNED:
        assert case.startswith("aws/"), "only the hashicorp/aws provider is here to plan with"
        module = case.split("/", 1)[1]
        if not (work / module).exists():  # five_x_copy also copies the sibling modules a module calls
            five_x_copy(module, work / module)
        before = work / module / "tests" / "before"
        before.mkdir(parents=True)
        for tf in sorted(MODULES.joinpath(module).glob("*.tf")):
            released = CASES / case / "before" / tf.name
            (before / tf.name).write_text(five_x((released if released.is_file() else tf).read_text()))
        text = (CASES / case / "move.tftest.hcl").read_text().replace(
            'source = "./tests/before"', f'source = "./{module}/tests/before"')
        call = f' {{\n  module {{\n    source = "./{module}"\n  }}\n\n'
        text, runs = _RUN.subn(lambda m, call=call: m[0] if "\n  module {\n" in m[0] else m[0].replace(" {\n", call, 1),
                               text)
        assert runs, f"{case}: no run block"
        files[case] = f"{module}.move.tftest.hcl"
        (work / "tests" / files[case]).write_text(text)
    init = terraform(["init", "-backend=false", "-input=false"], work, env)
    assert init.returncode == 0, init.stdout + init.stderr
    result = terraform(["test", "-verbose"], work, env)
    out = result.stdout
    starts = [(m.start(), m[1]) for m in _FILE.finditer(out)]
    sections = {"": out[:starts[0][0] if starts else len(out)] + result.stderr[-3000:]}
    for (start, name), (end, _) in zip(starts, [*starts[1:], (len(out), "")], strict=True):
        sections[name] = out[start:end]
    return {case: sections.get(name, sections[""]) for case, name in files.items()}


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.parametrize("case", PLANNED)
def test_plan_across_the_move_creates_and_destroys_nothing(case: str, move_plans: dict[str, str]) -> None:
    module = case.split("/", 1)[1]
    out = move_plans[case]
    assert re.search(rf"^tests/{module}\.move\.tftest\.hcl\.\.\. pass$", out, re.M), out[-6000:]
    after = out[out.index('run "after"'):]
    summary = re.search(r"Plan: (\d+) to add, (\d+) to change, (\d+) to destroy\.", after)
    assert summary is not None, after[-4000:]
    added = ADDED.get(case, {})
    assert (summary[1], summary[3]) == (str(len(added)), "0"), after[-6000:]
    created = dict(re.findall(r"# (\S+) will be created\n(.*?)\n    \}\n", after, re.S))
    assert sorted(created) == sorted(added), after[-6000:]
    for address, line in added.items():
        assert line in created[address], created[address]
    moved = set(re.findall(r"# (\S+) has moved to (\S+)", after))
    moved |= {(a, to) for to, a in re.findall(r"# (\S+) will be updated in-place\n\s*# \(moved from (\S+)\)", after)}
    # the moves from addresses this release has (a module moved twice also keeps the older release's moves)
    released = _resources(CASES / case / "before")
    expected = {(a, to) for a, to in _moves(MODULES / module).items() if _unindexed(a) in released}
    assert expected, f"{case}: no moved block applies to before/"
    # a resource with count = 0 in the old state has nothing to move; these cases set every optional part
    # a moved block naming a whole resource (for_each keys and all) shows as one line per instance
    seen = {(re.sub(r"\[\d+\]", "", a), re.sub(r"\[\d+\]", "", to)) for a, to in moved}
    seen = {pair if pair in expected else (_unindexed(pair[0]), _unindexed(pair[1])) for pair in seen}
    assert seen == expected, after[-6000:]
