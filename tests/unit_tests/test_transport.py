"""The transport's one error boundary, and the sync reader's hold on its connection."""

from __future__ import annotations

import socket

import httpx2
import parallel
import pytest
from raw_server import RawServer, response

from langchain_parallel import errors as E
from langchain_parallel._client import (
    ClientConfig,
    async_parallel_client,
    parallel_client,
)
from langchain_parallel._readahead import _Release
from langchain_parallel._transport import translated

ERROR = b'{"type": "error", "error": {"ref_id": "ref_9", "message": "Slow down"}}'


@pytest.fixture
def config(raw: RawServer) -> ClientConfig:
    return ClientConfig(api_key="k", base_url=raw.url, timeout=5, max_retries=0)


def test_a_search_error_becomes_ours_chained_to_the_sdks(
    config: ClientConfig, raw: RawServer
) -> None:
    raw.play(response(ERROR, status=429, headers={"retry-after-ms": "1500"}))
    with pytest.raises(E.RateLimitError) as info, translated(config.timeout):
        parallel_client(config).search(search_queries=["solid-state batteries"])
    assert isinstance(info.value.__cause__, parallel.RateLimitError)
    assert info.value.retry_after == 1.5
    assert info.value.request_id == "ref_9"
    assert str(info.value).startswith("Rate limit exceeded (HTTP 429): Slow down")


async def test_an_async_extract_error_becomes_ours(
    config: ClientConfig, raw: RawServer
) -> None:
    raw.play(response(ERROR, status=401))
    client = await async_parallel_client(config)
    with pytest.raises(E.AuthenticationError) as info, translated(config.timeout):
        await client.extract(urls=["https://example.com"])
    assert isinstance(info.value.__cause__, parallel.AuthenticationError)


def test_other_exceptions_pass_unchanged() -> None:
    with pytest.raises(KeyError), translated(1.0):
        raise KeyError("ours to see")


def test_a_reader_wakes_a_connection_only_before_its_release() -> None:
    # Once the body is released, httpcore may hand the connection to another
    # request: a late `stop()` must leave its socket alone.
    for released in (False, True):
        ours, peer = socket.socketpair()
        with ours, peer:
            ours.settimeout(2)  # a read nobody wakes fails the test, not hangs it
            guard = _Release(httpx2.ByteStream(b""), ours)
            if released:
                guard.close()
            guard.interrupt()
            if released:  # still open both ways
                peer.sendall(b"x")
            assert ours.recv(1) == (b"x" if released else b"")
