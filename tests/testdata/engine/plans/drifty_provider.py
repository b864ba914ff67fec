"""A throwaway Terraform provider used only to produce drift for the plan fixtures.

`drifty_file` keeps `content` in a file at `path` (relative to Terraform's working directory);
`read` reports what the file really holds, so editing the file outside Terraform is drift.
Run by a wrapper script as a Terraform plugin (see generate.py); needs the PyPI `tf` package.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tf import runner, schema, types
from tf.iface import Config, CreateContext, DeleteContext, ReadContext, State, UpdateContext
from tf.provider import Diagnostics, Provider, Resource


class DriftyFile(Resource):
    @classmethod
    def get_name(cls) -> str:
        return "file"

    @classmethod
    def get_schema(cls) -> schema.Schema:
        return schema.Schema(
            attributes=[
                schema.Attribute("path", types.String(), required=True, requires_replace=True),
                schema.Attribute("content", types.String(), required=True),
            ]
        )

    def __init__(self, provider: Any) -> None:
        self.provider = provider

    def create(self, ctx: CreateContext, planned: State) -> State:
        Path(planned["path"]).write_text(planned["content"])
        return planned

    def read(self, ctx: ReadContext, current: State) -> State | None:
        path = Path(current["path"])
        if not path.exists():
            return None
        return {**current, "content": path.read_text()}

    def update(self, ctx: UpdateContext, current: State, planned: State) -> State:
        Path(planned["path"]).write_text(planned["content"])
        return planned

    def delete(self, ctx: DeleteContext, current: State) -> None:
        Path(current["path"]).unlink(missing_ok=True)


class DriftyProvider(Provider):
    def full_name(self) -> str:
        return "fixture.local/test/drifty"

    def get_model_prefix(self) -> str:
        return "drifty_"

    def get_provider_schema(self, diags: Diagnostics) -> schema.Schema:
        return schema.Schema(attributes=[])

    def validate_config(self, diags: Diagnostics, config: Config) -> None:
        pass

    def configure_provider(self, diags: Diagnostics, config: Config) -> None:
        pass

    def get_data_sources(self) -> list[Any]:
        return []

    def get_resources(self) -> list[Any]:
        return [DriftyFile]


if __name__ == "__main__":
    runner.run_provider(DriftyProvider())
