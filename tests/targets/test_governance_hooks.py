"""Each target's governance hooks: where a unit's journal is (beside its state, named by the same function the
rendered backend uses) and whether rollback can point a scratch unit back at today's state."""

from __future__ import annotations

from pathlib import Path

from mlstrata.governance.journal import FALLBACK_CODE, FileJournal, PgJournal
from mlstrata.governance.rollback import SpecAtRevision, render_scratch
from mlstrata.hcl import parse_file
from mlstrata.render.tree import render_tree
from mlstrata.spec.load import load_spec, load_text
from mlstrata.targets.registry import TARGETS

REPO = Path(__file__).resolve().parents[2]
PG = """platform: my-ml
target: local
region: us-east-1
state: {backend: pg, conn_str_env: MY_PG}
environments:
  dev: {}
model_registry:
  stages: [dev]
  promoters: {dev: [ml-engineer]}
  models: {fraud: {}}
"""


def test_the_pg_journal_is_in_the_schema_the_rendered_backend_uses(tmp_path: Path) -> None:
    loaded = load_text(PG)
    tree = render_tree(loaded)
    for layer in ("base", "platform"):
        (tmp_path / f"{layer}.tf").write_text(tree.files[f"live/dev/{layer}/backend.tf"])
        backend = next(b for b in parse_file(str(tmp_path / f"{layer}.tf")).body.blocks[0].body.blocks
                       if b.type == "backend")
        store, problems = TARGETS["local"].journal(loaded.platform, tmp_path, "dev", layer,
                                                   {"PG_CONN_STR": "postgresql://x@127.0.0.1:1/db"})
        assert problems == [] and isinstance(store, PgJournal)
        assert store.schema == backend.body.attributes["schema_name"].value == f"my_ml_dev_{layer}"
    # the platform layer reads the base layer's state from the base schema too
    assert 'schema_name = "my_ml_dev_base"' in tree.files["live/dev/platform/main.tf"]


def test_local_backend_journal_sits_next_to_the_state_file(tmp_path: Path) -> None:
    loaded = load_text(PG.replace("{backend: pg, conn_str_env: MY_PG}", "{backend: local}"))
    store, problems = TARGETS["local"].journal(loaded.platform, tmp_path, "dev", "base", {})
    assert problems == [] and isinstance(store, FileJournal)
    assert store.path == tmp_path.resolve() / ".mlstrata" / "state" / "dev" / "base.journal.jsonl"
    backend = render_tree(loaded).files["live/dev/base/backend.tf"]
    assert 'path = "../../../.mlstrata/state/dev/base.tfstate"' in backend  # live/dev/base/../../.. = the repo


def test_gcs_and_azurerm_journals_are_kept_in_the_repository_and_say_so(tmp_path: Path) -> None:
    for example, backend in (("gcp", "gcs"), ("azure", "azurerm")):
        platform = load_spec(REPO / "examples" / example / "platform.yaml", targets=TARGETS).platform
        env = next(iter(platform.environments))
        store, problems = TARGETS[platform.target].journal(platform, tmp_path, env, "base", {})
        assert isinstance(store, FileJournal) and store.path.is_relative_to(tmp_path.resolve() / ".mlstrata")
        assert [p.code for p in problems] == [FALLBACK_CODE] and backend in problems[0].summary


def test_rollback_is_refused_where_the_target_has_no_override_and_writes_nothing(tmp_path: Path) -> None:
    loaded = load_spec(REPO / "examples" / "aws" / "platform.yaml", targets=TARGETS)
    scratch, units, problems = render_scratch(SpecAtRevision("a" * 40, "v1", loaded), tmp_path, "dev")
    assert scratch is None and units == [] and [p.code for p in problems] == ["rollback.target"]
    assert "aws target" in problems[0].summary and not (tmp_path / ".mlstrata").exists()
    local = load_text(PG.replace("{backend: pg, conn_str_env: MY_PG}", "{backend: local}"))
    scratch, units, problems = render_scratch(SpecAtRevision("b" * 40, "v2", local), tmp_path, "dev")
    assert problems == [] and units == ["dev/base", "dev/platform"] and scratch is not None
    override = (scratch / "live" / "dev" / "base" / "mlstrata_rollback_override.tf").read_text()
    assert str(tmp_path.resolve() / ".mlstrata" / "state" / "dev" / "base.tfstate") in override
