"""The transport's one error boundary also serves the `parallel-web` SDK's calls."""

from __future__ import annotations

import parallel
import pytest
from raw_server import RawServer, response

from langchain_parallel import errors as E
from langchain_parallel._client import (
    ClientConfig,
    async_parallel_client,
    parallel_client,
)
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
