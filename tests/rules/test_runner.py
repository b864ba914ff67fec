"""`run_check` end to end on small trees: suppressions, parse errors, module calls, tfvars, workers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mlstrata.diagnostics import Diagnostic
from mlstrata.render.tree import render_tree, write_tree
from mlstrata.repo import find_spec
from mlstrata.rules.runner import CheckResult, discover, run_check
from mlstrata.rules.spec_facts import spec_facts
from mlstrata.spec.load import load_spec
from mlstrata.targets.registry import TARGETS

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "aws" / "platform.yaml"

UNVERSIONED = """resource "aws_s3_bucket" "models" {{{comment}
  bucket = "acme-ml-models"
}}
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def codes(findings: list[Diagnostic]) -> list[tuple[str, int]]:
    return [(d.code, d.where.line if d.where else 0) for d in findings]


# -- suppressions


def test_suppression_with_reason_on_the_line_suppresses(tmp_path: Path) -> None:
    write(
        tmp_path,
        {"main.tf": UNVERSIONED.format(comment=" # mlstrata:ignore MLS010 scratch copies, rebuilt nightly")},
    )
    result = run_check([tmp_path], workers=1, select={"MLS010", "MLS026"})
    assert result.findings == []
    ((finding, suppression),) = result.suppressed
    assert finding.code == "MLS010" and suppression.reason == "scratch copies, rebuilt nightly"


def test_suppression_on_the_line_above_and_several_ids(tmp_path: Path) -> None:
    text = "# mlstrata:ignore MLS010, MLS011 - mirror of a public dataset\n" + UNVERSIONED.format(comment="")
    write(tmp_path, {"main.tf": text})
    result = run_check([tmp_path], workers=1, select={"MLS010", "MLS011", "MLS012", "MLS026"})
    assert {d.code for d, _ in result.suppressed} == {"MLS010", "MLS011"}
    assert codes(result.findings) == [("MLS012", 2)], "a rule the comment does not name is still reported"


def test_suppression_without_reason_is_a_finding_and_suppresses_nothing(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": UNVERSIONED.format(comment=" # mlstrata:ignore MLS010")})
    result = run_check([tmp_path], workers=1, select={"MLS010", "MLS026"})
    assert sorted(codes(result.findings)) == [("MLS010", 1), ("MLS026", 1)]
    assert not result.suppressed


def test_suppression_without_rule_id_is_a_finding(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": UNVERSIONED.format(comment=" # mlstrata:ignore because")})
    result = run_check([tmp_path], workers=1, select={"MLS010", "MLS026"})
    assert ("MLS026", 1) in codes(result.findings) and ("MLS010", 1) in codes(result.findings)


def test_suppression_two_lines_above_does_not_reach(tmp_path: Path) -> None:
    text = "# mlstrata:ignore MLS010 too far away\n\n" + UNVERSIONED.format(comment="")
    write(tmp_path, {"main.tf": text})
    assert codes(run_check([tmp_path], workers=1, select={"MLS010"}).findings) == [("MLS010", 3)]


# -- parse errors


def test_a_broken_file_is_one_finding_and_the_rest_is_checked(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "broken.tf": 'resource "aws_s3_bucket" "x" {\n  bucket = \n}\n\nresource "aws_sqs_queue" {\n',
            "ok/main.tf": UNVERSIONED.format(comment=""),
        },
    )
    result = run_check([tmp_path], workers=1, select={"MLS010"})
    parse = [d for d in result.findings if d.code == "MLS000"]
    assert len(parse) == 1
    assert parse[0].where is not None and parse[0].where.file.endswith("broken.tf")
    assert parse[0].where.line >= 2 and parse[0].where.column >= 1
    assert parse[0].severity.value == "error"
    assert [d.code for d in result.findings if d.where and d.where.file.endswith("ok/main.tf")] == ["MLS010"]


# -- resolution

# a called module whose node group takes its AMI type from the call (MLS006 in the module, MLS007 at the call)
POOL_MODULE = """variable "ami" {
  description = "Image."
  type        = string
}

resource "aws_eks_node_group" "this" {
  cluster_name    = "ml"
  node_group_name = "gpu"
  node_role_arn   = "arn:aws:iam::111111111111:role/n"
  subnet_ids      = ["subnet-1"]
  instance_types  = ["g6.xlarge"]
  ami_type        = var.ami
}
"""


def test_called_module_reports_generic_findings_once_and_call_findings_at_the_call(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "modules/pool/main.tf": POOL_MODULE,
            "live/dev/main/main.tf": """terraform {
  backend "s3" {}
}

module "a" {
  source = "../../../modules/pool"
  ami    = "AL2_x86_64_GPU"
}

module "b" {
  source = "../../../modules/pool"
  ami    = "AL2023_x86_64_NVIDIA"
}
""",
        },
    )
    result = run_check([tmp_path], workers=1, select={"MLS006", "MLS007"})
    got = sorted(
        (d.code, Path(d.where.file).name if d.where else "", d.where.line if d.where else 0, d.path)
        for d in result.findings
    )
    assert got == [
        ("MLS006", "main.tf", 6, "aws_eks_node_group.this"),  # in the module itself, once
        (
            "MLS007",
            "main.tf",
            7,
            "module.a.aws_eks_node_group.this",
        ),  # at the argument of the call that decides
    ]


@pytest.mark.parametrize("spelling", [
    'source /* pinned */ = "../../../modules/pool"',
    'source = /* local */ "../../../modules/pool"',
    'source /* a */ /* b\n */ = /* c */ "../../../modules/pool"',  # terraform fmt accepts it as is
    'source="../../../modules/pool"',
])
def test_a_call_is_followed_however_its_source_is_spelled(tmp_path: Path, spelling: str) -> None:
    # the pre-scan finds called modules with a regex: HCL allows inline comments around `=`, even spanning lines
    # (a line comment would end the attribute, a newline after `=` is Terraform's "Invalid expression"); a call the
    # pre-scan missed would not be checked with its arguments (no MLS007 at module.a's `ami`)
    write(tmp_path, {
        "modules/pool/main.tf": POOL_MODULE,
        "live/dev/main/main.tf": f'module "a" {{\n  {spelling}\n  ami    = "AL2_x86_64_GPU"\n}}\n',
    })
    result = run_check([tmp_path], workers=1, select={"MLS007"})
    assert [(d.code, d.path) for d in result.findings] == [("MLS007", "module.a.aws_eks_node_group.this")]


def test_root_variables_come_from_defaults_and_auto_tfvars_only(tmp_path: Path) -> None:
    node_group = """variable "ami" {{
  description = "Image."
  type        = string
  default     = "{default}"
}}

provider "aws" {{}}

resource "aws_eks_node_group" "this" {{
  cluster_name    = "ml"
  node_group_name = "gpu"
  node_role_arn   = "arn:aws:iam::111111111111:role/n"
  subnet_ids      = ["subnet-1"]
  instance_types  = ["g6.xlarge"]
  ami_type        = var.ami
}}
"""
    write(tmp_path / "a", {"main.tf": node_group.format(default="AL2_x86_64_GPU")})
    write(
        tmp_path / "b",
        {
            "main.tf": node_group.format(default="AL2023_x86_64_NVIDIA"),
            "prod.auto.tfvars": 'ami = "AL2_x86_64_GPU"\n',
            "other.tfvars": 'ami = "AL2023_x86_64_NVIDIA"\n',
        },
    )
    write(
        tmp_path / "c",
        {
            "main.tf": node_group.format(default="AL2023_x86_64_NVIDIA"),
            "staging.tfvars": 'ami = "AL2_x86_64_GPU"\n',
        },
    )
    result = run_check([tmp_path], workers=1, select={"MLS007"})
    got = sorted(
        (Path(d.where.file).relative_to(tmp_path).as_posix(), d.where.line)
        for d in result.findings
        if d.where
    )
    # a: the default decides; b: auto-loaded tfvars beat the default; c: -var-files are not loaded
    assert got == [("a/main.tf", 15), ("b/prod.auto.tfvars", 1)]


def test_unknown_values_are_not_guessed(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "main.tf": """resource "aws_eks_node_group" "this" {
  cluster_name    = "ml"
  node_group_name = "gpu"
  node_role_arn   = "arn:aws:iam::111111111111:role/n"
  subnet_ids      = ["subnet-1"]
  instance_types  = ["g6.xlarge"]
  ami_type        = data.aws_ssm_parameter.ami.value
  labels          = local.labels
  taint {
    key    = local.taint_key
    effect = "NO_SCHEDULE"
  }
}
"""
        },
    )
    assert run_check([tmp_path], workers=1, select={"MLS004", "MLS005", "MLS007"}).findings == []


def test_count_zero_resources_are_not_checked(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "main.tf": """provider "aws" {}

variable "create" {
  description = "Create the bucket."
  type        = bool
  default     = false
}

resource "aws_s3_bucket" "models" {
  count  = var.create ? 1 : 0
  bucket = "acme-ml-models"
}
"""
        },
    )
    assert run_check([tmp_path], workers=1, select={"MLS010"}).findings == []


# -- workers, discovery, spec


def test_worker_processes_give_the_same_findings(tmp_path: Path) -> None:
    out = tmp_path / "infra"
    write_tree(render_tree(load_spec(EXAMPLE, targets=TARGETS)), out)
    for rule in ("MLS010", "MLS004", "MLS018"):
        write(out / "extra" / rule.lower(), {"main.tf": UNVERSIONED.format(comment="")})
    sequential = run_check([out], workers=1)
    parallel = run_check([out], workers=2)
    assert parallel.workers == 2
    assert parallel.findings == sequential.findings and parallel.findings


def test_discovery_skips_terraform_caches_and_hidden_dirs(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "main.tf": "",
            ".terraform/modules/x/main.tf": "",
            ".hidden/main.tf": "",
            "a/x.tfvars": "",
            "a/notes.txt": "",
        },
    )
    layout = discover([tmp_path])
    assert sorted(
        Path(f).relative_to(tmp_path.resolve()).as_posix() for fs in layout.values() for f in fs
    ) == ["a/x.tfvars", "main.tf"]


def test_spec_is_found_beside_or_above(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "platform.yaml").write_text("x: 1\n")
    (tmp_path / "infra" / "live").mkdir(parents=True)
    assert find_spec([tmp_path / "infra" / "live"]) == (tmp_path / "platform.yaml").resolve()
    (tmp_path / "infra" / "live" / "platform.yaml").write_text("x: 2\n")
    assert (
        find_spec([tmp_path / "infra" / "live"]) == (tmp_path / "infra" / "live" / "platform.yaml").resolve()
    )


# -- the rendered AWS example (README documents this level)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("rendered") / "infra"
    write_tree(render_tree(load_spec(EXAMPLE, targets=TARGETS)), out)
    return out


def test_rendered_aws_example_has_nothing_above_info(rendered: Path) -> None:
    result = run_check([rendered], workers=1)
    above = [d.headline() for d in result.findings if d.severity.value != "info"]
    assert not above, "\n".join(above)
    got = sorted(
        (d.code, Path(d.where.file).relative_to(rendered).as_posix() if d.where else "")
        for d in result.findings
    )
    # No MLS008: node groups read an autoscaler-owned size back instead of ignoring desired_size.
    assert got == []
    assert _suppressed(result, rendered) == [("MLS020", "bootstrap/state/versions.tf")]


def _suppressed(result: CheckResult, root: Path) -> list[tuple[str, str]]:
    """Our own output's suppressions: only the bootstrap root's local state (the bucket for remote state does not
    exist before its first apply), each with its reason."""
    assert all(s.reason for _, s in result.suppressed)
    return sorted((d.code, Path(d.where.file).relative_to(root).as_posix() if d.where else "")
                  for d, _ in result.suppressed)


def test_rendered_aws_example_with_its_spec(rendered: Path) -> None:
    result = run_check([rendered], spec=spec_facts(load_spec(EXAMPLE, targets=TARGETS)), workers=1)
    assert result.findings == []
    assert _suppressed(result, rendered) == [("MLS020", "bootstrap/state/versions.tf")]


# -- every AWS golden case and the example, rendered in full (modules included), with its spec

AWS_SPECS = [*sorted((REPO / "tests" / "testdata" / "render").glob("aws-*/spec.yaml")), EXAMPLE]


@pytest.mark.parametrize("spec_path", AWS_SPECS, ids=[p.parent.name for p in AWS_SPECS])
def test_every_rendered_aws_tree_has_nothing_above_info(spec_path: Path, tmp_path: Path) -> None:
    loaded = load_spec(spec_path, targets=TARGETS)
    out = tmp_path / "infra"
    write_tree(render_tree(loaded), out)
    result = run_check([out], spec=spec_facts(loaded), workers=1)
    above = [d.headline() for d in result.findings if d.severity.value != "info"]
    assert not above, "\n".join(above)
    assert _suppressed(result, out) == [("MLS020", "bootstrap/state/versions.tf")]
    registry = loaded.platform.model_registry
    declared_managed = [d for d in result.findings if d.code == "MLS011"]
    if registry is not None and registry.encryption == "managed":
        # SSE-S3 on the registry is the spec's stated choice: reported, as info, once per registry bucket.
        assert declared_managed and all("as the spec declares" in d.summary for d in declared_managed)
    else:
        assert not declared_managed


def test_sse_s3_without_the_spec_declaring_it_is_still_an_error(tmp_path: Path) -> None:
    loaded = load_spec(REPO / "tests" / "testdata" / "render" / "aws-capacity-block" / "spec.yaml", targets=TARGETS)
    out = tmp_path / "infra"
    write_tree(render_tree(loaded), out)
    result = run_check([out], workers=1, select={"MLS011"})
    assert {d.severity.value for d in result.findings} == {"error"} and len(result.findings) == 2


# -- the platform-level rules fire on our own tree once what they look for is taken out


def _mutated(tmp_path: Path, module_file: str, pattern: str, replacement: str = "") -> Path:
    out = tmp_path / "infra"
    write_tree(render_tree(load_spec(EXAMPLE, targets=TARGETS)), out)
    path = out / "modules" / module_file
    text, count = re.subn(pattern, replacement, path.read_text(), flags=re.S)
    assert count >= 1, f"{module_file}: the mutation matched nothing"
    path.write_text(text)
    return out


def _by_code(result_findings: list[Diagnostic], code: str, base: Path) -> set[tuple[str, str]]:
    return {
        (Path(d.where.file).relative_to(base).as_posix(), d.path)
        for d in result_findings
        if d.code == code and d.where is not None
    }


def test_without_the_device_plugin_every_nvidia_pool_is_reported(tmp_path: Path) -> None:
    out = _mutated(tmp_path, "cluster_addons/main.tf", r'resource "helm_release" "nvidia_device_plugin" \{.*?\n\}\n')
    got = _by_code(run_check([out], workers=1, select={"MLS033"}).findings, "MLS033", out)
    pools = {
        (f"live/{env}/base/main.tf", f"module.gpu_pool_{pool}.aws_eks_node_group.this")
        for env in ("dev", "staging", "prod")
        for pool in ("training", "serving")
    }
    assert got == pools


def test_without_the_autoscaling_statement_every_ebs_key_use_is_reported(tmp_path: Path) -> None:
    out = _mutated(
        tmp_path, "kms_key/main.tf", r'  dynamic "statement" \{\n    for_each = var\.allow_ebs_autoscaling.*?\n  \}\n\n'
    )
    got = _by_code(run_check([out], workers=1, select={"MLS035"}).findings, "MLS035", out)
    assert {path for _file, path in got} == {
        "module.cluster.aws_launch_template.system",
        "module.gpu_pool_training.aws_launch_template.this",
        "module.gpu_pool_serving.aws_launch_template.this",
    }
    assert {file for file, _path in got} == {f"live/{env}/base/main.tf" for env in ("dev", "staging", "prod")}


def test_a_tainted_system_pool_leaves_no_capacity_for_add_ons(tmp_path: Path) -> None:
    out = _mutated(
        tmp_path,
        "eks_cluster/main.tf",
        r'(resource "aws_eks_node_group" "system" \{\n)',
        r'\1  taint {\n    key    = "dedicated"\n    value  = "system"\n    effect = "NO_SCHEDULE"\n  }\n',
    )
    got = _by_code(run_check([out], workers=1, select={"MLS034"}).findings, "MLS034", out)
    assert {file for file, _path in got} == {f"live/{env}/base/main.tf" for env in ("dev", "staging", "prod")}


def test_a_module_called_by_a_called_module_is_checked_with_the_values_that_reach_it(tmp_path: Path) -> None:
    """A bucket module that delegates its hardening to a submodule (terraform-aws-modules style): the submodule
    sees the root's value through the middle module, and the finding is placed at the root's argument it came from."""
    (tmp_path / "modules" / "hardening").mkdir(parents=True)
    (tmp_path / "modules" / "bucket").mkdir(parents=True)
    (tmp_path / "live").mkdir()
    (tmp_path / "modules" / "hardening" / "main.tf").write_text(
        'variable "name" {\n  type = string\n}\nvariable "algorithm" {\n  type = string\n}\n'
        'resource "aws_s3_bucket" "this" {\n  bucket = var.name\n}\n'
        'resource "aws_s3_bucket_server_side_encryption_configuration" "this" {\n'
        "  bucket = aws_s3_bucket.this.id\n  rule {\n    apply_server_side_encryption_by_default {\n"
        "      sse_algorithm = var.algorithm\n    }\n  }\n}\n"
    )
    (tmp_path / "modules" / "bucket" / "main.tf").write_text(
        'variable "name" {\n  type = string\n}\nvariable "kms" {\n  type = bool\n}\n'
        'module "hardening" {\n  source    = "../hardening"\n  name      = "${var.name}-models"\n'
        '  algorithm = var.kms ? "aws:kms" : "AES256"\n}\n'
    )
    (tmp_path / "live" / "main.tf").write_text(
        'module "kms" {\n  source = "../modules/bucket"\n  name   = "a"\n  kms    = true\n}\n'
        'module "plain" {\n  source = "../modules/bucket"\n  name   = "b"\n  kms    = false\n}\n'
    )
    result = run_check([tmp_path], workers=1, select={"MLS011"})
    found = [(d.where.line if d.where else None, d.path, d.summary) for d in result.findings]
    assert found == [(9, "module.plain.module.hardening.aws_s3_bucket.this", "sse_algorithm is AES256, not aws:kms")]
    assert result.findings[0].where is not None and result.findings[0].where.file.endswith("live/main.tf")


def test_modules_that_call_one_another_are_one_group_checked_by_one_process(tmp_path: Path) -> None:
    """Per-call checks run where the called module was parsed and its generic findings made (rules/runner.py
    check_group): callers and the modules they call, directly or through others, across repositories, are one group;
    its cost counts a called module once more per call."""
    from mlstrata.rules import runner

    pool = """variable "ami" {}

resource "aws_eks_node_group" "this" {
  cluster_name    = "ml"
  node_group_name = "gpu"
  node_role_arn   = "arn:aws:iam::111111111111:role/n"
  subnet_ids      = ["subnet-1"]
  instance_types  = ["g6.xlarge"]
  ami_type        = var.ami
}
"""
    write(tmp_path, {
        "a/modules/pool/main.tf": pool,
        "a/modules/cluster/main.tf": 'variable "ami" {}\n\nmodule "pool" {\n  source = "../pool"\n'
                                     '  ami    = var.ami\n}\n',
        "a/live/dev/main.tf": """terraform {
  backend "s3" {}
}

module "one" {
  source = "../../modules/cluster"
  ami    = "AL2_x86_64_GPU"
}

module "two" {
  source = "../../modules/cluster"
  ami    = "BOTTLEROCKET_x86_64_NVIDIA"
}
""",
        "b/examples/x/main.tf": 'module "pool" {\n  source = "../../../a/modules/pool"\n'
                                '  ami    = "AL2_x86_64_GPU"\n}\n',
        "c/main.tf": 'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n',
    })
    layout = discover([tmp_path])
    callers, _ = runner.prescan(layout)
    rule_ids = tuple(r for r in runner.RULES if r not in ("MLS000", "MLS026"))
    jobs = [runner.DirJob(d, tuple(fs), (), (), d in callers, None, rule_ids, runner.path_env(d))
            for d, fs in layout.items()]
    # the pre-scan read every .tf file: their sizes (the scheduler's weights) need no stat call afterwards
    assert {f: runner._SIZES[f] for j in jobs for f in j.tf_files} == {
        f: Path(f).stat().st_size for j in jobs for f in j.tf_files}
    groups = runner.call_groups(jobs, callers)
    names = sorted(sorted(str(Path(j.directory).relative_to(tmp_path)) for j in g.dirs) for g in groups)
    assert names == [["a/live/dev", "a/modules/cluster", "a/modules/pool", "b/examples/x"], ["c"]]
    size = {str(Path(d).relative_to(tmp_path)): sum(Path(f).stat().st_size for f in fs) for d, fs in layout.items()}
    (big,) = [g for g in groups if len(g.dirs) == 4]
    # pool: called by cluster and by b's example; cluster: called twice by live/dev
    assert big.cost == sum(size[d] for d in names[0]) + 2 * size["a/modules/pool"] + 2 * size["a/modules/cluster"]
    result = runner.check_group(big)
    assert [r.directory for r in result.dirs] == [j.directory for j in big.dirs]  # layout order
    levels = [(level, str(Path(d).relative_to(tmp_path))) for level, d, _, _ in result.calls]
    # cluster and pool for their direct calls, then pool once more for each call cluster makes in live/dev's calls
    assert levels == [(0, "a/modules/cluster"), (0, "a/modules/pool"), (1, "a/modules/pool")]
    images = sorted(d.summary for _, _, found, _ in result.calls for d in found if d.code == "MLS007")
    assert len(images) == 2  # AL2 through module.one's cluster and from b's example; not Bottlerocket (module.two)
    assert not runner._PARSED and not runner._GENERIC  # nothing kept past the group
    assert run_check([tmp_path], workers=2).findings == run_check([tmp_path], workers=1).findings
    assert not runner._SIZES  # cleared at the end of each check


def test_a_group_sends_the_main_process_only_what_the_tree_rules_read(tmp_path: Path) -> None:
    """Of a module's variables, the deletion-protection switches; of its calls, the local ones with only those switches
    among their arguments (the full arguments stay in the group's process, for the per-call checks)."""
    from mlstrata.rules import runner

    write(tmp_path, {
        "modules/db/main.tf": 'variable "protect" {\n  default = true\n}\n\nvariable "size" {\n  default = 20\n}\n',
        "live/prod/main.tf": """module "db" {
  source  = "../../modules/db"
  protect = false
  size    = 50
}

module "vpc" {
  source = "terraform-aws-modules/vpc/aws"
  cidr   = "10.0.0.0/16"
}
""",
    })
    layout = discover([tmp_path])
    callers, _ = runner.prescan(layout)
    rule_ids = tuple(r for r in runner.RULES if r not in ("MLS000", "MLS026"))
    jobs = [runner.DirJob(d, tuple(fs), (), (), d in callers, None, rule_ids, runner.path_env(d))
            for d, fs in layout.items()]
    (group,) = runner.call_groups(jobs, callers)
    facts = {Path(r.directory).relative_to(tmp_path).as_posix(): r.facts for r in runner.check_group(group).dirs}
    assert facts["modules/db"].variables == {"protect": True}
    (call,) = facts["live/prod"].calls
    assert call.name == "db" and {k: b.value for k, b in call.args.items()} == {"protect": False}


def test_copies_of_a_file_are_parsed_once_and_each_reports_at_its_own_path(tmp_path: Path) -> None:
    from mlstrata.hcl import Body
    from mlstrata.hcl.reader import read_file

    bucket = 'resource "aws_s3_bucket" "this" {\n  bucket = "ml-artifacts"\n}\n'
    broken = 'resource "aws_s3_bucket" "b" {\n  bucket = \n'
    write(tmp_path, {"a/main.tf": bucket, "b/main.tf": bucket, "a/broken.tf": broken, "b/broken.tf": broken})
    bodies: dict[bytes, Body] = {}
    first = read_file(tmp_path / "a" / "main.tf", bodies)[1]
    second = read_file(tmp_path / "b" / "main.tf", bodies)[1]
    assert second.body is first.body and second.filename.endswith("b/main.tf")
    assert read_file(tmp_path / "b" / "broken.tf", bodies)[1].errors
    assert len(bodies) == 1  # a broken file is not kept: its errors name it

    result = run_check([tmp_path], workers=1, select={"MLS010"})
    got = sorted((d.code, str(Path(d.where.file).relative_to(tmp_path))) for d in result.findings if d.where)
    assert got == [("MLS000", "a/broken.tf"), ("MLS000", "b/broken.tf"), ("MLS010", "a/main.tf"),
                   ("MLS010", "b/main.tf")]


def test_the_collector_thresholds_are_as_before_after_a_check(tmp_path: Path) -> None:
    import gc

    write(tmp_path, {"main.tf": 'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n'})
    before = gc.get_threshold()
    seen: list[tuple[int, int, int]] = []
    from mlstrata.rules import runner

    with runner.few_collections():
        seen.append(gc.get_threshold())
    run_check([tmp_path], workers=1)
    assert gc.get_threshold() == before and seen[0] != before
