"""mlstrata_metadata_store under real Terraform: `force_destroy` (what a protected environment renders as false)
keeps a store that holds pipeline metadata, and a state written by schema version 1 upgrades."""

from __future__ import annotations

import json
import re
import sqlite3

from provider_harness import Unit

STORE = """
resource "mlstrata_metadata_store" "meta" {
  name = "pipelines"
%(extra)s}
"""


def _store(force_destroy: bool | None) -> str:
    extra = "" if force_destroy is None else f"  force_destroy = {str(force_destroy).lower()}\n"
    return STORE % {"extra": extra}


def _write_metadata(unit: Unit) -> None:
    """What a pipeline run leaves: a table of its own in the store's database."""
    with sqlite3.connect(unit.root / "metadata" / "pipelines.sqlite") as conn:
        conn.execute("CREATE TABLE Execution (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO Execution (name) VALUES ('train')")


def test_protected_store_with_metadata_is_not_destroyed_until_force_destroy(unit: Unit) -> None:
    unit.write(_store(False))
    unit.init()
    unit.apply()
    path = unit.root / "metadata" / "pipelines.sqlite"
    assert path.is_file() and unit.plan_rc()[0] == 0

    # An empty store (only its marker) is no data to lose: protected or not, destroy removes it.
    unit.destroy()
    assert not path.exists()

    unit.apply()
    _write_metadata(unit)
    done = unit.run("destroy", "-auto-approve", "-input=false", check=False)
    out = re.sub(r"\s+", " ", done.stdout + done.stderr)
    assert done.returncode == 1, out
    assert "metadata store 'pipelines' holds pipeline metadata (1 table(s)) and is protected" in out
    assert "Tables: Execution" in out and "protect: false" in out
    assert path.is_file(), "a refused destroy must keep the database"
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT name FROM Execution").fetchall() == [("train",)]
    state = json.loads((unit.path / "terraform.tfstate").read_text())
    assert state["resources"], "the store stays in state after the refused destroy"

    # Lifting protection is an in-place update (no replacement: the data stays), then destroy deletes it.
    unit.write(_store(True))
    rc, out = unit.plan_rc()
    assert rc == 2 and "update in-place" in out and re.search(r"force_destroy\s+= false -> true", out), out
    unit.apply()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM Execution").fetchone() == (1,)
    unit.destroy()
    assert not path.exists() and unit.leftovers() == []


def test_unset_force_destroy_is_the_protected_default(unit: Unit) -> None:
    unit.write(_store(None))
    unit.init()
    unit.apply()
    _write_metadata(unit)
    done = unit.run("destroy", "-auto-approve", "-input=false", check=False)
    assert done.returncode == 1 and "holds pipeline metadata" in done.stdout + done.stderr


def test_state_of_schema_version_1_upgrades_to_protected(unit: Unit) -> None:
    unit.write(_store(False))
    unit.init()
    unit.apply()
    # Rewrite the state as schema version 1 wrote it: no force_destroy attribute.
    state_file = unit.path / "terraform.tfstate"
    state = json.loads(state_file.read_text())
    (instance,) = state["resources"][0]["instances"]
    assert instance["schema_version"] == 2
    instance["schema_version"] = 1
    del instance["attributes"]["force_destroy"]
    state_file.write_text(json.dumps(state))

    # Upgraded to false: a protected configuration plans nothing, an unprotected one an in-place update.
    rc, out = unit.plan_rc()
    assert rc == 0, out
    unit.write(_store(True))
    rc, out = unit.plan_rc()
    assert rc == 2 and re.search(r"force_destroy\s+= false -> true", out), out
    unit.apply()
    upgraded = json.loads(state_file.read_text())["resources"][0]["instances"][0]
    assert (upgraded["schema_version"], upgraded["attributes"]["force_destroy"]) == (2, True)
    _write_metadata(unit)
    unit.destroy()
    assert not (unit.root / "metadata" / "pipelines.sqlite").exists()
