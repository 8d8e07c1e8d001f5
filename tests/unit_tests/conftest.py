"""Unit tests reach nothing but the loopback stand-in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_socket import enable_socket, socket_allow_hosts
from raw_server import RawServer, raw_server

from langchain_parallel._client import reset_clients
from langchain_parallel.registry import reset_registry


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    socket_allow_hosts(["127.0.0.1", "::1"], allow_unix_socket=True)
    yield
    enable_socket()


@pytest.fixture
def raw() -> Iterator[RawServer]:
    """A byte-level server of its own on loopback (see `tests/raw_server.py`)."""
    with raw_server() as server:
        yield server
    reset_clients()


@pytest.fixture(autouse=True)
def fresh_registry() -> Iterator[None]:
    """Each test scans plugins anew, under its own settings."""
    reset_registry()
    yield
    reset_registry()


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder on sys.path where a test installs throwaway distributions."""
    path = tmp_path / "site"
    path.mkdir()
    monkeypatch.syspath_prepend(str(path))
    return path
