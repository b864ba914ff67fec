"""Fixtures for engine tests: real Terraform (embedded and binary) on small `terraform_data` units."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from engine_units import RUNNERS, TERRAFORM_BINARY, binary_runner, needs_binary

from mlstrata.engine import EmbeddedTerraform, Engine, EngineSettings, Runner


@pytest.fixture(params=["embedded", pytest.param("binary", marks=needs_binary)])
def runner(request: pytest.FixtureRequest) -> Runner:
    """Each test using this runs once per runner."""
    return RUNNERS[request.param]()


@pytest.fixture
def fast_runner() -> Runner:
    """The quicker runner to start (the binary when there is one) for tests about engine logic."""
    return binary_runner() if TERRAFORM_BINARY else EmbeddedTerraform()


@pytest.fixture(scope="session")
def plugin_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("plugin-cache")


@pytest.fixture
def settings(plugin_cache: Path) -> EngineSettings:
    return EngineSettings(plugin_cache_dir=plugin_cache, lock_timeout="5s")


@pytest.fixture
def make_engine(settings: EngineSettings) -> Iterator[Callable[..., Engine]]:
    engines: list[Engine] = []

    def make(runner: Runner, **kwargs: object) -> Engine:
        engine = Engine(runner, settings, **kwargs)  # type: ignore[arg-type]
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.close()

