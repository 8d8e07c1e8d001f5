"""Shared fixtures: a clean settings environment and the Parallel stand-in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from parallel_standin import StandIn

from langchain_parallel._client import reset_clients
from langchain_parallel._settings import reset_settings_cache

STANDIN_KEY = "standin-key"


@pytest.fixture(autouse=True)
def clean_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No PARALLEL_* variables, .env or parallel.toml leak in from the machine."""
    for name in list(__import__("os").environ):
        if name.startswith("PARALLEL_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    # parallel-chat logs every exchange in the user's data directory: not in tests.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    reset_settings_cache()
    yield
    reset_settings_cache()


@pytest.fixture(scope="session")
def _standin_server() -> Iterator[StandIn]:
    server = StandIn(api_keys={STANDIN_KEY}).start()
    yield server
    server.stop()


@pytest.fixture
def standin(_standin_server: StandIn) -> Iterator[StandIn]:
    """The running stand-in, at its defaults, with no faults and no requests."""
    _standin_server.reset()
    yield _standin_server
    _standin_server.reset()
    reset_clients()
