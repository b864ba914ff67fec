"""Regenerate the plan JSON fixtures with real Terraform.

    python tests/testdata/engine/plans/generate.py [embedded|PATH-TO-TERRAFORM]

Writes `<terraform version>/{create,changes,refresh,noop,state}.json` next to this file:
create (empty state), changes (update, both replace orders, delete, forget, drift on
`drifty_file.f`, output changes), refresh (refresh-only: drift only), noop, and state (a
`show -json` of state, which the plan decoder must refuse). Timestamps are removed so that a
regeneration only differs where Terraform's output did.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from mlstrata.engine.cliconfig import hcl_string, terraform_environ, write_cli_config
from mlstrata.engine.runners import BinaryTerraform, EmbeddedTerraform, Runner

HERE = Path(__file__).resolve().parent

V1 = """
terraform {
  required_providers {
    drifty = { source = "fixture.local/test/drifty" }
  }
}
resource "terraform_data" "updated" { input = "one" }
resource "terraform_data" "replaced" { triggers_replace = ["1"] }
resource "terraform_data" "replaced_cbd" {
  triggers_replace = ["1"]
  lifecycle { create_before_destroy = true }
}
resource "terraform_data" "deleted" { input = "bye" }
resource "terraform_data" "forgotten" { input = "keep the object" }
resource "terraform_data" "secret" { input = sensitive("fixture-sensitive-value") }
resource "drifty_file" "f" {
  path    = "drift.txt"
  content = "v1"
}
output "plain" { value = terraform_data.updated.output }
output "secret" {
  value     = terraform_data.secret.output
  sensitive = true
}
"""

V2 = """
terraform {
  required_providers {
    drifty = { source = "fixture.local/test/drifty" }
  }
}
resource "terraform_data" "updated" { input = "two" }
resource "terraform_data" "replaced" { triggers_replace = ["2"] }
resource "terraform_data" "replaced_cbd" {
  triggers_replace = ["2"]
  lifecycle { create_before_destroy = true }
}
removed {
  from = terraform_data.forgotten
  lifecycle { destroy = false }
}
resource "terraform_data" "secret" { input = sensitive("fixture-sensitive-value") }
resource "drifty_file" "f" {
  path    = "drift.txt"
  content = "v1"
}
output "plain" { value = terraform_data.updated.output }
output "secret" {
  value     = terraform_data.secret.output
  sensitive = true
}
output "added" { value = "new" }
"""


class Session:
    def __init__(self, runner: Runner, root: Path) -> None:
        self.runner = runner
        self.unit = root / "unit"
        self.unit.mkdir()
        self.cwd = root / "cwd"
        self.cwd.mkdir()
        plugins = root / "plugins"
        plugins.mkdir()
        wrapper = plugins / "terraform-provider-drifty"
        wrapper.write_text(f'#!/bin/sh\nexec {sys.executable} -P {HERE / "drifty_provider.py"} "$@"\n')
        wrapper.chmod(0o755)
        block = (
            "provider_installation {\n  dev_overrides {\n"
            f'    "fixture.local/test/drifty" = {hcl_string(str(plugins))}\n  }}\n  direct {{}}\n}}'
        )
        config = write_cli_config(root / "tfrc", [block])
        self.env = terraform_environ(config)

    def tf(self, *args: str, stdout: Path | None = None, check: bool = True) -> int:
        argv = self.runner.command([f"-chdir={self.unit}", *args])
        with open(stdout or os.devnull, "wb") as out:
            proc = subprocess.run(argv, cwd=self.cwd, env=self.env, stdout=out, stderr=subprocess.PIPE)
        if check and proc.returncode not in (0, 2):
            raise SystemExit(f"terraform {' '.join(args)} failed:\n{proc.stderr.decode()}")
        return proc.returncode

    def show(self, target: Path, *plan: str) -> dict[str, object]:
        raw = target.with_suffix(".raw")
        self.tf("show", "-json", *plan, stdout=raw)
        data = json.loads(raw.read_text())
        raw.unlink()
        data.pop("timestamp", None)
        return data


def write(out_dir: Path, name: str, data: dict[str, object]) -> None:
    (out_dir / f"{name}.json").write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


def main(argv: list[str]) -> int:
    choice = argv[1] if len(argv) > 1 else "embedded"
    runner: Runner = EmbeddedTerraform() if choice == "embedded" else BinaryTerraform(choice)
    with tempfile.TemporaryDirectory(prefix="mlstrata-plan-fixtures-") as tmp:
        s = Session(runner, Path(tmp))
        main_tf = s.unit / "main.tf"
        main_tf.write_text(V1)
        # Older Terraform versions try to download dev-overridden providers during init (and fail
        # offline); plan works without init when every provider is built in or overridden.
        s.tf("init", "-input=false", "-no-color", check=False)
        plan = str(s.unit / "p.tfplan")
        s.tf("plan", "-input=false", "-no-color", f"-out={plan}")
        create = s.show(Path(tmp) / "create", plan)
        out_dir = HERE / str(create["terraform_version"])
        out_dir.mkdir(exist_ok=True)
        write(out_dir, "create", create)
        s.tf("apply", "-input=false", "-no-color", plan)

        main_tf.write_text(V2)
        (s.unit / "drift.txt").write_text("changed outside terraform")
        s.tf("plan", "-input=false", "-no-color", f"-out={plan}")
        write(out_dir, "changes", s.show(Path(tmp) / "changes", plan))
        refresh = str(s.unit / "r.tfplan")
        s.tf("plan", "-refresh-only", "-input=false", "-no-color", f"-out={refresh}")
        write(out_dir, "refresh", s.show(Path(tmp) / "refresh", refresh))
        s.tf("apply", "-input=false", "-no-color", plan)
        s.tf("plan", "-input=false", "-no-color", f"-out={plan}")
        write(out_dir, "noop", s.show(Path(tmp) / "noop", plan))
        write(out_dir, "state", s.show(Path(tmp) / "state"))
    print(f"wrote {out_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
