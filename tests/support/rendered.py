"""Reading rendered roots in tests: the blocks of one kind in a rendered file, by their last label; a
target's example spec, its rendered tree and its module library."""

from __future__ import annotations

from pathlib import Path

from mlstrata.hcl import parse_file, parse_text
from mlstrata.hcl.model import Block
from mlstrata.render.tree import render_tree
from mlstrata.spec.load import load_spec
from mlstrata.targets.registry import TARGETS

REPO = Path(__file__).resolve().parents[2]


def blocks(text: str, kind: str) -> dict[str, Block]:
    """`module`/`output`/... blocks of `text` keyed by their last label (the module or output name)."""
    return {b.labels[-1]: b for b in parse_text(text, "x.tf").body.blocks if b.type == kind}


def example_spec(target: str) -> Path:
    """examples/<target>/platform.yaml."""
    return REPO / "examples" / target / "platform.yaml"


GCP_WIF = "projects/123456789012/locations/global/workloadIdentityPools/github/providers/acme-ml"


def ci_example(target: str) -> str:
    """The example's spec (`local`: the quickstart); Azure's and GCP's with CI identities added (client ids of
    identities with federated credentials; service accounts and the Workload Identity Federation provider)."""
    text = example_spec("quickstart" if target == "local" else target).read_text(encoding="utf-8")
    if target == "azure":
        for n in "123":
            account = f'    account: "{n * 8}-{n * 4}-{n * 4}-{n * 4}-{n * 12}"\n'
            text = text.replace(account, account + f"    ci_role: {n * 8}-0000-0000-0000-00000000000c\n"
                                f"    plan_role: {n * 8}-0000-0000-0000-00000000000a\n")
        text = text.replace("\nazure:\n", "\nazure:\n  tenant_id: 99999999-9999-9999-9999-999999999999\n")
    if target == "gcp":
        for env in ("dev", "staging", "prod"):
            account = f"    account: acme-ml-{env}"
            text = text.replace(account, f"    ci_role: terraform-ci@acme-ml-{env}.iam.gserviceaccount.com\n"
                                f"    plan_role: terraform-plan@acme-ml-{env}.iam.gserviceaccount.com\n" + account)
        text = text.replace("\ngcp:\n", f"\ngcp:\n  workload_identity_provider: {GCP_WIF}\n")
    return text


# a full key ARN Terraform's s3 backend accepts (random UUID: the fourth group starts with 8, 9, a or b)
STATE_KEY_ARN = "arn:aws:kms:us-east-1:444444444444:key/0b0f8f3a-2c6e-4f3d-9a1b-1f2e3d4c5b6a"


def aws_spec_with_state_key(folder: Path, kms_key_arn: str | None) -> Path:
    """examples/aws/platform.yaml written to `folder`, with `state.kms_key_arn` set when one is given."""
    text = example_spec("aws").read_text()
    if kms_key_arn is not None:
        bucket = "  bucket: acme-ml-tfstate\n"
        text = text.replace(bucket, f"{bucket}  kms_key_arn: {kms_key_arn}\n", 1)
    path = folder / "platform.yaml"
    path.write_text(text)
    return path


def modules_dir(target: str) -> Path:
    """The target's module library in the source tree."""
    return REPO / "src" / "mlstrata" / "terraform" / "modules" / target


def module_resource(target: str, module: str, address: str) -> Block:
    """The `resource` block `address` (<type>.<name>) of a library module."""
    kind, name = address.split(".")
    for tf in sorted((modules_dir(target) / module).glob("*.tf")):
        for block in parse_file(str(tf)).body.blocks:
            if block.type == "resource" and block.labels == [kind, name]:
                return block
    raise AssertionError(f"{target}/{module}: no resource {address}")


def example_tree(target: str) -> dict[str, str]:
    """Every file the target's example renders, by relative path."""
    return render_tree(load_spec(example_spec(target), targets=TARGETS)).files


def unrendered(target: str) -> list[str]:
    """What loading the target's example says it does not render (services, orchestrator): none expected."""
    loaded = load_spec(example_spec(target), targets=TARGETS)
    return [d.summary for d in loaded.warnings if d.code in ("spec.not_rendered", "spec.orchestrator")]
