"""Run real Terraform on rendered units (environment x layer): embedded or binary runner,
dependency-ordered parallel runs, saved plans applied only while current, progress events.

Progress display and summary table: `mlstrata.engine.progress`.
"""

from __future__ import annotations

from mlstrata.engine.cliconfig import render_cli_config, terraform_environ, write_cli_config
from mlstrata.engine.events import EngineEvent, EventCallback, EventKind
from mlstrata.engine.operations import (
    apply_unit,
    destroy_unit,
    init_unit,
    needs_init,
    plan_unit,
    refresh_unit,
    saved_plan_problem,
    up_unit,
)
from mlstrata.engine.orchestrate import (
    apply_all,
    destroy_all,
    init_all,
    output_all,
    plan_all,
    refresh_all,
    run_units,
    state_list_all,
    status_all,
    up_all,
)
from mlstrata.engine.queries import output_unit, show_state_all, show_state_unit, state_list_unit, status_unit
from mlstrata.engine.results import Operation, OutputValue, RunReport, Status, UnitResult, discard_refresh_files
from mlstrata.engine.runners import BinaryTerraform, EmbeddedTerraform, Runner, select_runner
from mlstrata.engine.session import DEFAULT_LOCK_TIMEOUT, DEFAULT_PARALLELISM, Engine, EngineSettings
from mlstrata.engine.unit import LAYER_ORDER, Unit, discover_units, with_layer_dependencies

__all__ = [
    "DEFAULT_LOCK_TIMEOUT",
    "DEFAULT_PARALLELISM",
    "LAYER_ORDER",
    "BinaryTerraform",
    "EmbeddedTerraform",
    "Engine",
    "EngineEvent",
    "EngineSettings",
    "EventCallback",
    "EventKind",
    "Operation",
    "OutputValue",
    "RunReport",
    "Runner",
    "Status",
    "Unit",
    "UnitResult",
    "apply_all",
    "apply_unit",
    "destroy_all",
    "destroy_unit",
    "discard_refresh_files",
    "discover_units",
    "init_all",
    "init_unit",
    "needs_init",
    "output_all",
    "output_unit",
    "plan_all",
    "plan_unit",
    "refresh_all",
    "refresh_unit",
    "render_cli_config",
    "run_units",
    "saved_plan_problem",
    "select_runner",
    "show_state_all",
    "show_state_unit",
    "state_list_all",
    "state_list_unit",
    "status_all",
    "status_unit",
    "terraform_environ",
    "up_all",
    "up_unit",
    "with_layer_dependencies",
    "write_cli_config",
]
