"""The transport's one error boundary, the sync reader's hold on its connection, and
chat requests that are the SDK's own."""

from __future__ import annotations

import json
import socket
from typing import Any

import httpx2
import parallel
import pytest
from raw_server import RawServer, Request, response

from langchain_parallel import errors as E
from langchain_parallel._body import _Release
from langchain_parallel._client import (
    ClientConfig,
    async_client,
    async_parallel_client,
    parallel_client,
    sync_client,
)
from langchain_parallel._transport import apost, astream, post, stream, translated

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


# --- chat requests: the SDK's own, built more cheaply ------------------------------

BODY = {"model": "speed", "messages": [{"role": "user", "content": "Hi?"}]}
ANSWER = b'{"choices": [{"message": {"content": "Hello."}}]}'
EVENTS = b'data: {"choices": [{"delta": {"content": "Hello."}}]}\n\ndata: [DONE]\n\n'


def sent(request: Request) -> tuple[list[str], dict[str, Any]]:
    """A request's line and headers (but its attempt number), and its JSON body."""
    line, *fields = request.head.decode("latin-1").split("\r\n")
    headers = [f.lower() for f in fields if f and not f.lower().startswith(_ATTEMPT)]
    return [line, *sorted(headers)], json.loads(request.body)


_ATTEMPT = "x-stainless-retry-count:"


def attempt(request: Request) -> str:
    line = next(f for f in request.head.decode().split("\r\n") if _ATTEMPT in f.lower())
    return line.split(":", 1)[1].strip()


def test_a_chat_post_is_the_sdks_request_and_is_retried_as_one(
    raw: RawServer,
) -> None:
    config = ClientConfig(api_key="k", base_url=raw.url, timeout=5, max_retries=1)
    busy = response(ERROR, status=503, headers={"retry-after-ms": "10"})
    raw.play(busy, response(ANSWER), response(ANSWER))
    assert post(config, "/chat/completions", BODY) == ANSWER
    sync_client(config).post("/chat/completions", body=BODY, cast_to=httpx2.Response)
    first, retried, reference = raw.requests
    assert sent(first) == sent(retried) == sent(reference)
    assert sent(first)[1] == BODY
    assert [attempt(r) for r in raw.requests] == ["0", "1", "0"]


def test_a_sync_chat_stream_is_the_sdks_request(raw: RawServer) -> None:
    config = ClientConfig(api_key="k", base_url=raw.url, timeout=5, max_retries=0)
    streaming = {**BODY, "stream": True}
    raw.play(*[response(EVENTS, content_type="text/event-stream")] * 2)
    with stream(config, "/chat/completions", streaming) as body:
        assert b"".join(body) == EVENTS
    reference = sync_client(config).post(
        "/chat/completions", body=streaming, cast_to=httpx2.Response, stream=True
    )
    reference.close()
    ours, theirs = (sent(r) for r in raw.requests)
    assert ours == theirs
    assert ours[1] == streaming


async def test_async_chat_requests_are_the_sdks_requests(raw: RawServer) -> None:
    config = ClientConfig(api_key="k", base_url=raw.url, timeout=5, max_retries=0)
    streaming = {**BODY, "stream": True}
    raw.play(
        *[response(ANSWER), response(EVENTS, content_type="text/event-stream")] * 2
    )
    assert await apost(config, "/chat/completions", BODY) == ANSWER
    async with astream(config, "/chat/completions", streaming) as body:
        assert b"".join([piece async for piece in body]) == EVENTS
    client = await async_client(config)
    await client.post("/chat/completions", body=BODY, cast_to=httpx2.Response)
    reference = await client.post(
        "/chat/completions", body=streaming, cast_to=httpx2.Response, stream=True
    )
    await reference.aclose()
    posted, streamed, *references = (sent(r) for r in raw.requests)
    assert [posted, streamed] == references
    assert streamed[1] == streaming


def test_chat_requests_follow_a_changed_base_url(raw: RawServer) -> None:
    config = ClientConfig(
        api_key="k", base_url=f"{raw.url}/a", timeout=5, max_retries=0
    )
    raw.play(response(ANSWER), response(ANSWER))
    client = sync_client(config)
    post(config, "/chat/completions", BODY)
    client.base_url = httpx2.URL(f"{raw.url}/b")  # the SDK allows it; so do we
    post(config, "/chat/completions", BODY)
    lines = [r.head.split(b"\r\n")[0] for r in raw.requests]
    assert lines == [
        b"POST /a/chat/completions HTTP/1.1",
        b"POST /b/chat/completions HTTP/1.1",
    ]
