"""HTTP transport: requests out, bytes back, and the one place SDK errors become ours.

Chat posts its JSON body through the `openai` client's own `request`, the method
its `post` calls (keeping the SDK's retries, timeouts, auth and error types), and
takes the `httpx2.Response` back unparsed: reading JSON and event streams
ourselves is what makes a call cheaper than the typed SDK's. Search, extract and
tasks call the `parallel-web` SDK's typed methods inside `translated(...)`, so
every exception of either SDK or either transport, raised while sending or while a
body is read, surfaces as a `langchain_parallel.errors` class chained `from` the
original.
"""

from __future__ import annotations

import asyncio
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Callable,
    Iterator,
    Mapping,
)
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx2
from openai._models import FinalRequestOptions

from langchain_parallel._body import Body
from langchain_parallel._client import ClientConfig, async_client, sync_client
from langchain_parallel.errors import is_sdk_error, translate

__all__ = [
    "apost",
    "astream",
    "post",
    "stream",
    "translated",
]


def _nothing() -> str:
    return ""


@contextmanager
def translated(
    timeout: float | None, partial: Callable[[], str] = _nothing
) -> Iterator[None]:
    """Run SDK calls; re-raise SDK and transport errors as ours, chained.

    Args:
        timeout: The timeout in force, named by a timeout error's message.
        partial: What a stream has delivered so far, kept on the error.

    Raises:
        langchain_parallel.errors.ParallelError: for any exception of the `openai`
            or `parallel` SDKs or of `httpx2`/`httpx`; other exceptions pass as they
            are.

    Example:
        ```python
        with translated(config.timeout):
            result = parallel_client(config).search(objective=...)
        ```

    """
    try:
        yield
    except Exception as exc:
        if not is_sdk_error(exc):
            raise
        raise translate(exc, timeout, partial()) from exc


# What the SDK's `client.post(path, body=...)` builds before its `request(...)`,
# made by copying one built here: `FinalRequestOptions.construct` deep-copies
# every field default on each call (~20 us, a fifteenth of the SDK's own cost of
# a request). The copies share those defaults (`params`, `security`) as the
# SDK's own per-retry copies of one request do; nothing writes into them. The
# retries, timeouts, headers and errors are `request(...)`'s, as for `post`.
_POST = FinalRequestOptions.construct(
    method="post", url="", json_data=None, content=None, files=None
)


def _post(path: str, body: Mapping[str, Any]) -> FinalRequestOptions:
    return _POST.model_copy(update={"url": path, "json_data": body})


def post(config: ClientConfig, path: str, body: Mapping[str, Any]) -> bytes:
    """POST `body` as JSON to `path` under `base_url`; return the answer's body."""
    with translated(config.timeout):
        client = sync_client(config)
        return client.request(httpx2.Response, _post(path, body)).content


async def apost(config: ClientConfig, path: str, body: Mapping[str, Any]) -> bytes:
    """The async twin of `post`."""
    with translated(config.timeout):
        client = await async_client(config)
        response = await client.request(httpx2.Response, _post(path, body))
        return response.content


@contextmanager
def stream(
    config: ClientConfig,
    path: str,
    body: Mapping[str, Any],
    partial: Callable[[], str] = _nothing,
) -> Iterator[Iterator[bytes]]:
    """POST `body`; give the answer's body read by read, as bytes.

    Errors raised in the block while reading are translated too, keeping
    `partial()`; leaving the block, early or not, closes the response. Each step
    gives all that arrived since the previous one (`_body.Body`).
    """
    with translated(config.timeout, partial):
        client = sync_client(config)
        response = client.request(httpx2.Response, _post(path, body), stream=True)
        pieces = Body(response)
        try:
            yield iter(pieces)
        finally:
            pieces.close()


@asynccontextmanager
async def astream(
    config: ClientConfig,
    path: str,
    body: Mapping[str, Any],
    partial: Callable[[], str] = _nothing,
) -> AsyncIterator[AsyncIterator[bytes]]:
    """The async twin of `stream`; cancellation closes the response too.

    Each step gives everything that arrived since the previous one (`_backlog`).
    """
    with translated(config.timeout, partial):
        client = await async_client(config)
        response = await client.request(httpx2.Response, _post(path, body), stream=True)
        pieces = _backlog(response.aiter_bytes())
        try:
            yield pieces
        finally:
            await pieces.aclose()
            await response.aclose()


async def _backlog(pieces: AsyncIterator[bytes]) -> AsyncGenerator[bytes, None]:
    """`pieces`, with all that arrived while the consumer was busy joined into one.

    A reader task moves pieces into a list as the connection delivers them, and
    each step hands over everything waiting. Nothing waits for more data, so no
    byte is delayed; pieces merge only when the consumer falls behind the network,
    which is when merging pays: under load, a stream then costs LangChain one
    chunk per backlog instead of one per event. A read error is raised after the
    bytes that arrived before it. The list is unbounded, so that the reader never
    waits and always marks the end: it holds at most the body's bytes, a fraction
    of what the chunks made from them weigh.

    A plain list and one future to wake the consumer, not an `asyncio.Queue`: a
    stream's events are many and small, and hundreds of streams run at once.
    """
    loop = asyncio.get_running_loop()
    arrived: list[bytes] = []
    ended: list[BaseException | None] = []  # one item once the body is done
    waiting: asyncio.Future[None] | None = None

    def wake() -> None:
        if waiting is not None and not waiting.done():
            waiting.set_result(None)

    async def read() -> None:
        try:
            async for piece in pieces:
                if piece:
                    arrived.append(piece)
                    wake()
        except Exception as exc:  # raised in the consumer, after the bytes before it
            ended.append(exc)
        finally:  # even when cancelled: a consumer never waits for a dead reader
            ended.append(None)
            wake()

    reader = loop.create_task(read())
    try:
        while True:
            if not arrived and not ended:
                waiting = loop.create_future()
                await waiting
            if arrived:
                data = arrived[0] if len(arrived) == 1 else b"".join(arrived)
                arrived.clear()
                yield data
            elif ended[0] is not None:
                raise ended[0]
            else:
                return
    finally:
        if not reader.done():
            reader.cancel()
            await asyncio.wait([reader])  # gone before the response closes
