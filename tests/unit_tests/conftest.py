"""Unit tests reach nothing but the loopback stand-in."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from conftest import STANDIN_KEY
from parallel_standin import StandIn
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


@pytest.fixture(scope="session")
def tls_ca() -> trustme.CA:
    """A throwaway certificate authority, for the TLS servers of tests."""
    return trustme.CA()


@pytest.fixture(scope="session")
def tls(tls_ca: trustme.CA) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """Server and client TLS contexts for 127.0.0.1, from `tls_ca`."""
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls_ca.issue_cert("127.0.0.1").configure_cert(server)
    client = ssl.create_default_context()
    tls_ca.configure_trust(client)
    return server, client


@pytest.fixture
def raw_tls(tls: tuple[ssl.SSLContext, ssl.SSLContext]) -> Iterator[RawServer]:
    """`raw`, over TLS: trust it with `tls[1]`."""
    with raw_server(tls[0]) as server:
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


@pytest.fixture
def logs_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Where `parallel-chat` logs in this test (`PARALLEL_LOGS_PATH`)."""
    path = tmp_path / "data" / "logs.db"
    monkeypatch.setenv("PARALLEL_LOGS_PATH", str(path))
    return path


@pytest.fixture
def env(standin: StandIn, monkeypatch: pytest.MonkeyPatch) -> StandIn:
    """The stand-in, named by the environment as a user would (for the CLI)."""
    monkeypatch.setenv("PARALLEL_BASE_URL", standin.url)
    monkeypatch.setenv("PARALLEL_API_KEY", STANDIN_KEY)
    return standin
