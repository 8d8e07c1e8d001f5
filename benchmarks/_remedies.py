"""Prototypes of stream remedies, measured against today's `ChatParallelWeb`.

Not part of the package: each is a subclass that changes only how a stream is read,
so `run.py --remedies` can time it beside the real model in the same rounds.

- `Coalescing`: the body is read by a background reader (a task for async streams,
  a thread for sync ones) into a queue; the stream drains whatever has arrived
  since the consumer last asked and yields it as ONE chunk. Nothing waits for more
  data, so the first text is never delayed; chunks merge only while the consumer
  is behind. Text, the closing metadata chunk and `partial_content` on a cut
  stream are exactly those of the one-chunk-per-event stream.
"""

from __future__ import annotations

import asyncio
import json
import queue
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx2
import openai
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk

from langchain_parallel import ChatParallelWeb
from langchain_parallel._client import async_client, sync_client
from langchain_parallel._wire import PROVIDER, StreamAssembler, _stream_error
from langchain_parallel.errors import StreamError, translate

_PATH = "/chat/completions"
_END = object()


class _Lines:
    """Bytes in, complete lines out (the `text/event-stream` line endings)."""

    def __init__(self) -> None:
        self._rest = b""

    def feed(self, data: bytes) -> list[str]:
        lines = (self._rest + data).split(b"\n")
        self._rest = lines.pop()
        return [line.rstrip(b"\r").decode() for line in lines]


class _TextAssembler(StreamAssembler):
    """`StreamAssembler` that hands back each event's text instead of a chunk."""

    def texts(self, lines: list[str]) -> str:
        parts = []
        for line in lines:
            chunk = self.feed(line)
            if chunk is not None:
                parts.append(chunk)
        return "".join(parts)

    def _handle(self, event: str, data: str) -> Any:
        # As the base class does, but returning the text: no chunk per event.
        if data.startswith("[DONE]"):
            self._finished = True
            return None
        try:
            payload = json.loads(data)
        except ValueError as exc:
            raise StreamError(
                f"The stream sent an event that is not JSON: {data[:200]!r}"
            ) from exc
        if not isinstance(payload, dict):
            raise StreamError(f"The stream sent an unexpected event: {data[:200]!r}")
        if event == "error" or "error" in payload:
            raise _stream_error(payload, "".join(self._partial))
        for key, value in payload.items():
            if key != "choices" and value not in (None, "", []):
                self._last[key] = value
        if "basis" in payload or payload.get("interaction_id"):
            self._finished = True
        choices = payload.get("choices") or []
        if not choices:
            return None
        choice = choices[0]
        if choice.get("finish_reason"):
            self._finished = True
            self._choice = {"finish_reason": choice["finish_reason"]}
        text = (choice.get("delta") or {}).get("content") or ""
        if not text:
            return None
        self._partial.append(text)
        return text


def _chunk(text: str) -> ChatGenerationChunk:
    return ChatGenerationChunk(
        message=AIMessageChunk(
            content=text, response_metadata={"model_provider": PROVIDER}
        )
    )


class Coalescing(ChatParallelWeb):
    """`ChatParallelWeb` whose streams yield one chunk per backlog, not per event."""

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        config, body = self._request(messages, stop, kwargs)
        body["stream"] = True
        assembler = _TextAssembler(body["model"])
        lines = _Lines()
        try:
            response = sync_client(config).post(
                _PATH, body=body, cast_to=httpx2.Response, stream=True
            )
            arrived: queue.SimpleQueue[Any] = queue.SimpleQueue()
            reader = threading.Thread(
                target=_read_into, args=(response, arrived), daemon=True
            )
            reader.start()
            try:
                done = False
                while not done:
                    items = [arrived.get()]
                    while not arrived.empty():
                        items.append(arrived.get_nowait())
                    text, done = _take(items, assembler, lines)
                    if text:
                        chunk = _chunk(text)
                        if run_manager:
                            run_manager.on_llm_new_token(text, chunk=chunk)
                        yield chunk
            finally:
                response.close()
                reader.join()
        except (openai.OpenAIError, httpx2.HTTPError) as exc:
            raise translate(exc, config.timeout, assembler.partial_content) from exc
        yield assembler.close()

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        config, body = self._request(messages, stop, kwargs)
        body["stream"] = True
        assembler = _TextAssembler(body["model"])
        lines = _Lines()
        try:
            client = await async_client(config)
            response = await client.post(
                _PATH, body=body, cast_to=httpx2.Response, stream=True
            )
            arrived: asyncio.Queue[Any] = asyncio.Queue()
            reader = asyncio.ensure_future(_aread_into(response, arrived))
            try:
                done = False
                while not done:
                    items = [await arrived.get()]
                    while not arrived.empty():
                        items.append(arrived.get_nowait())
                    text, done = _take(items, assembler, lines)
                    if text:
                        chunk = _chunk(text)
                        if run_manager:
                            await run_manager.on_llm_new_token(text, chunk=chunk)
                        yield chunk
            finally:
                reader.cancel()
                await response.aclose()
        except (openai.OpenAIError, httpx2.HTTPError) as exc:
            raise translate(exc, config.timeout, assembler.partial_content) from exc
        yield assembler.close()


def _take(
    items: list[Any], assembler: _TextAssembler, lines: _Lines
) -> tuple[str, bool]:
    """The text of drained items and whether the body ended.

    A read error is raised after the bytes before it are counted, so that
    `partial_content` holds every character that arrived.
    """
    data = b"".join(item for item in items if isinstance(item, bytes))
    text = assembler.texts(lines.feed(data))
    for item in items:
        if isinstance(item, BaseException):
            raise item
    return text, items[-1] is _END


def _read_into(response: httpx2.Response, arrived: queue.SimpleQueue[Any]) -> None:
    try:
        for data in response.iter_bytes():
            arrived.put(data)
    except BaseException as exc:  # handed to the consumer, raised there
        arrived.put(exc)
    arrived.put(_END)


async def _aread_into(response: httpx2.Response, arrived: asyncio.Queue[Any]) -> None:
    try:
        async for data in response.aiter_bytes():
            arrived.put_nowait(data)
    except asyncio.CancelledError:
        raise
    except BaseException as exc:
        arrived.put_nowait(exc)
    arrived.put_nowait(_END)


REMEDIES: dict[str, type[ChatParallelWeb]] = {"coalescing": Coalescing}


def contract(model: ChatParallelWeb, reference: ChatParallelWeb, server: Any) -> str:
    """ "" if `model` streams what `reference` does, else what differs.

    Same text; the answer's metadata once, on the last chunk; a cut stream raises
    the package's error with the same `partial_content`.
    """
    from langchain_parallel.errors import ParallelError

    server.answer(2000)
    ours = list(reference.stream("q"))
    theirs = list(model.stream("q"))
    if "".join(c.text for c in ours) != "".join(c.text for c in theirs):
        return "the text differs"
    with_meta = [
        i for i, c in enumerate(theirs) if "finish_reason" in c.response_metadata
    ]
    if with_meta != [len(theirs) - 1]:
        return f"finish metadata on chunks {with_meta} of {len(theirs)}"
    partials = []
    for subject in (reference, model):
        server.fault("stream_cut", 1500)
        try:
            for _ in subject.stream("q"):
                pass
        except ParallelError as exc:
            partials.append(getattr(exc, "partial_content", None))
        else:
            return f"{type(subject).__name__}: a cut stream did not raise"
    if partials[0] != partials[1] or not partials[0]:
        return "partial_content of a cut stream differs"
    return ""
