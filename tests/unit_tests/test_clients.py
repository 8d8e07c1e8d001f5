"""The client cache shared by chat (openai SDK) and search/extract/tasks (parallel)."""

from __future__ import annotations

import asyncio

import parallel
import pytest
from parallel_standin import DEFAULT_KEY, StandIn

from langchain_parallel._client import (
    ClientConfig,
    async_parallel_client,
    cached_client_count,
    parallel_client,
    reset_clients,
    sync_client,
)
from langchain_parallel.errors import NotFoundError, ParallelError, translate


def _config(standin: StandIn, **changes: object) -> ClientConfig:
    options: dict[str, object] = {
        "api_key": DEFAULT_KEY,
        "base_url": standin.url,
        "timeout": 5.0,
        "max_retries": 0,
    }
    options.update(changes)
    return ClientConfig(**options)  # type: ignore[arg-type]


def test_one_parallel_client_per_configuration(standin: StandIn) -> None:
    reset_clients()
    config = _config(standin)
    first = parallel_client(config)
    assert parallel_client(_config(standin)) is first
    assert parallel_client(_config(standin, timeout=9.0)) is not first
    # The chat client for the same configuration is a different SDK's, cached apart.
    assert sync_client(config) is not first
    assert cached_client_count() == 3


def test_parallel_client_is_configured_as_given(standin: StandIn) -> None:
    client = parallel_client(_config(standin, max_retries=4))
    assert str(client.base_url).rstrip("/") == standin.url
    assert client.max_retries == 4
    assert client.timeout == 5.0


def test_async_parallel_client_closed_when_its_loop_shuts_down(
    standin: StandIn,
) -> None:
    async def use() -> parallel.AsyncParallel:
        client = await async_parallel_client(_config(standin))
        assert await async_parallel_client(_config(standin)) is client
        return client

    client = asyncio.run(use())
    assert client.is_closed()


def test_parallel_sdk_errors_become_ours(standin: StandIn) -> None:
    # The stand-in serves no /v1/nowhere: the SDK raises its NotFoundError.
    client = parallel_client(_config(standin))
    with pytest.raises(parallel.NotFoundError) as info:
        client.get("/v1/nowhere", cast_to=object)
    error = translate(info.value, 5.0)
    assert isinstance(error, NotFoundError)
    assert isinstance(error, ParallelError)
    assert isinstance(error, ValueError)
    assert error.status_code == 404
    assert error.request_id is not None
    assert error.request_id.startswith("req_standin_")
    assert "base_url" in str(error)
