"""Cassette set-up: recorded through the real openai SDK path, scrubbed, replayed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from recording import TARGET, configure, scrubbing_vcr_config

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--standin",
        action="store_true",
        help="record cassettes against the local Parallel stand-in",
    )


def pytest_configure(config: pytest.Config) -> None:
    problem = configure(
        config.getoption("--record-mode"), config.getoption("--standin")
    )
    if problem:
        raise pytest.UsageError(problem)


def pytest_unconfigure(config: pytest.Config) -> None:
    if TARGET.standin is not None:
        TARGET.standin.stop()  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def vcr_config() -> dict[str, Any]:
    return scrubbing_vcr_config()


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(CASSETTES)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # Before the cassette fixture runs, so a rewrite never deletes what it cannot
    # record again: injected faults exist only on the stand-in.
    if (
        item.get_closest_marker("standin_only")
        and TARGET.recording
        and not TARGET.standin
    ):
        pytest.skip("fault injection needs the local stand-in; cassette kept")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The secret scan reads the cassettes: after a recording run has written them.
    items.sort(key=lambda item: item.path.name == "test_cassettes.py")
