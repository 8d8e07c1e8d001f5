"""Unit tests reach nothing but the loopback stand-in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_socket import enable_socket, socket_allow_hosts
from raw_server import RawServer, raw_server

from langchain_parallel._client import reset_clients


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
