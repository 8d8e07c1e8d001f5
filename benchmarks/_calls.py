"""The implementations a figure compares, each as an untimed setup and a timed run.

- floor, transport half: the `openai` client's own `post(path, body=...,
  cast_to=httpx2.Response)` (what `ChatParallelWeb` posts through, with the SDK's
  retries, timeouts and error types), read with `json.loads`, or for streams with
  `iter_lines` and `json.loads` per `data:` line;
- floor, LangChain half: `InMemoryChat`, a `BaseChatModel` that returns a pre-built
  result or yields pre-built chunks, i.e. langchain-core's own per-call and
  per-chunk cost with no I/O and no parsing;
- alternatives: the typed SDK (`client.chat.completions.create`), and
  `langchain_openai.ChatOpenAI` pointed at the same stand-in;
- ours: `ChatParallelWeb`.

The floor of a round is the sum of its two halves measured in that round.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any

import httpx2
import openai
from _server import CHUNK_CHARS, KEY
from _timing import Setup
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import (
    ChatGeneration,
    ChatGenerationChunk,
    ChatResult,
)
from pydantic import PrivateAttr

from langchain_parallel import ChatParallelWeb, _body

PATH = "/chat/completions"
QUESTION = "What are the latest developments in AI?"
MESSAGES = [{"role": "user", "content": QUESTION}]
STREAM_BODY = {"model": "speed", "messages": MESSAGES, "stream": True}
LC_MESSAGES = [("human", QUESTION)]
UNMERGED = "ours, one chunk per HTTP chunk (reads not merged)"
FLOOR_IN_ONE_CALL = "floor in one call"
USER_CLIENT = "ours, through the user's http_async_client"
META = {"model_name": "speed", "model": "speed", "finish_reason": "stop"}


class InMemoryChat(BaseChatModel):
    """langchain-core's per-call and per-chunk cost: pre-built answers, no I/O."""

    _results: list[ChatResult] = PrivateAttr(default_factory=list)
    _streams: list[Iterable[ChatGenerationChunk]] = PrivateAttr(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "in-memory"

    def load_results(self, count: int, text: str) -> None:
        self._results = [
            ChatResult(
                generations=[
                    ChatGeneration(
                        message=AIMessage(content=text, response_metadata=dict(META))
                    )
                ]
            )
            for _ in range(count)
        ]

    def load_streams(self, count: int, pieces: int, built: bool = True) -> None:
        """Queue `count` streams; `built=False` builds each chunk as it is asked."""
        self._streams = [
            prebuilt_chunks(pieces) if built else built_while_streaming(pieces)
            for _ in range(count)
        ]

    def _generate(
        self, messages: list[BaseMessage], *args: Any, **kwargs: Any
    ) -> ChatResult:
        return self._results.pop()

    def _stream(
        self, messages: list[BaseMessage], *args: Any, **kwargs: Any
    ) -> Iterator[ChatGenerationChunk]:
        yield from self._streams.pop()

    async def _astream(
        self, messages: list[BaseMessage], *args: Any, **kwargs: Any
    ) -> AsyncIterator[ChatGenerationChunk]:
        for chunk in self._streams.pop():
            yield chunk


class FloorInOneCall(InMemoryChat):
    """The floor's two halves in one model's call.

    It posts through the SDK and reads the answer as the transport half does, and
    hands over a pre-built answer (a pre-built chunk per event for streams). No
    LangChain model over this API can do less per call; timing it whole also
    counts what the halves timed apart do not (the caches and branch predictors
    that a loop of one half alone keeps warm).
    """

    _client: openai.OpenAI = PrivateAttr()

    def __init__(self, client: openai.OpenAI) -> None:
        super().__init__()
        self._client = client

    def _generate(
        self, messages: list[BaseMessage], *args: Any, **kwargs: Any
    ) -> ChatResult:
        raw_invoke(self._client)
        return self._results.pop()

    def _stream(
        self, messages: list[BaseMessage], *args: Any, **kwargs: Any
    ) -> Iterator[ChatGenerationChunk]:
        chunks = iter(self._streams.pop())
        response = open_stream(self._client)
        try:
            for line in response.iter_lines():
                if _text_of(line):
                    yield next(chunks)
        finally:
            response.close()
        yield from chunks  # the closing chunk


def prebuilt_chunks(pieces: int) -> list[ChatGenerationChunk]:
    """What a Parallel stream turns into: text chunks, then one closing chunk."""
    text = "word "[:CHUNK_CHARS]
    chunks = [
        ChatGenerationChunk(
            message=AIMessageChunk(
                content=text, response_metadata={"model_provider": "parallel"}
            )
        )
        for _ in range(pieces)
    ]
    last = AIMessageChunk(
        content="", response_metadata=dict(META), chunk_position="last"
    )
    return [*chunks, ChatGenerationChunk(message=last)]


def built_while_streaming(pieces: int) -> Iterator[ChatGenerationChunk]:
    """The same chunks, each built when it is asked for, as a real model does."""
    text = "word "[:CHUNK_CHARS]
    for _ in range(pieces):
        yield ChatGenerationChunk(
            message=AIMessageChunk(
                content=text, response_metadata={"model_provider": "parallel"}
            )
        )
    last = AIMessageChunk(
        content="", response_metadata=dict(META), chunk_position="last"
    )
    yield ChatGenerationChunk(message=last)


# --- the transport half of the floor ----------------------------------------------


def raw_invoke(client: openai.OpenAI) -> Any:
    response = client.post(
        PATH, body={"model": "speed", "messages": MESSAGES}, cast_to=httpx2.Response
    )
    return json.loads(response.content)


def _text_of(line: str) -> str | None:
    """The delta text of one SSE line (None for anything but a data line)."""
    if not line.startswith("data:") or line == "data: [DONE]":
        return None
    choices = json.loads(line[5:]).get("choices") or [{}]
    text: str | None = (choices[0].get("delta") or {}).get("content")
    return text


def open_stream(client: openai.OpenAI) -> httpx2.Response:
    """The transport half's streamed post, its body not read yet."""
    return client.post(PATH, body=STREAM_BODY, cast_to=httpx2.Response, stream=True)


def raw_stream(client: openai.OpenAI) -> int:
    response = open_stream(client)
    received = 0
    try:
        for line in response.iter_lines():
            if _text_of(line):
                received += 1
    finally:
        response.close()
    return received


async def araw_stream(client: openai.AsyncOpenAI) -> int:
    response = await client.post(
        PATH, body=STREAM_BODY, cast_to=httpx2.Response, stream=True
    )
    received = 0
    try:
        async for line in response.aiter_lines():
            if _text_of(line):
                received += 1
    finally:
        await response.aclose()
    return received


async def abare_stream(client: httpx2.AsyncClient, url: str) -> int:
    """The bare transport: an `httpx2` client, no SDK, lines parsed as above."""
    received = 0
    async with client.stream(
        "POST",
        url + PATH,
        json=STREAM_BODY,
        headers={"authorization": f"Bearer {KEY}"},
    ) as response:
        async for line in response.aiter_lines():
            if _text_of(line):
                received += 1
    return received


# --- typed SDK -----------------------------------------------------------------------


def typed_invoke(client: openai.OpenAI) -> Any:
    return client.chat.completions.create(model="speed", messages=MESSAGES)  # type: ignore[arg-type]


def typed_stream(client: openai.OpenAI) -> int:
    received = 0
    stream = client.chat.completions.create(
        model="speed",
        messages=MESSAGES,  # type: ignore[arg-type]
        stream=True,
    )
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            received += 1
    return received


# --- LangChain models --------------------------------------------------------------


def lc_stream(model: BaseChatModel) -> int:
    count = 0
    for _ in model.stream(LC_MESSAGES):
        count += 1
    return count


async def alc_stream(model: BaseChatModel) -> int:
    count = 0
    async for _ in model.astream(LC_MESSAGES):
        count += 1
    return count


class Implementations:
    """The clients of one stand-in URL, and the setups built from them."""

    def __init__(self, url: str) -> None:
        from langchain_openai import ChatOpenAI

        self.url = url
        self.raw = openai.OpenAI(api_key=KEY, base_url=url, max_retries=2, timeout=60)
        self.memory = InMemoryChat()
        self.floor_in_one_call = FloorInOneCall(self.raw)
        self.ours = ChatParallelWeb(api_key=KEY, base_url=url, model="speed")
        self.chatopenai = ChatOpenAI(
            api_key=KEY,  # type: ignore[arg-type]
            base_url=url,
            model="speed",
            max_retries=2,
            timeout=60,
        )

    def invoke(self, text: str) -> dict[str, Setup]:
        def memory(calls: int) -> Callable[[], object]:
            self.memory.load_results(calls, text)
            return lambda: self.memory.invoke(LC_MESSAGES)

        def in_one_call(calls: int) -> Callable[[], object]:
            self.floor_in_one_call.load_results(calls, text)
            return lambda: self.floor_in_one_call.invoke(LC_MESSAGES)

        return {
            "transport": lambda _: lambda: raw_invoke(self.raw),
            "langchain-core": memory,
            FLOOR_IN_ONE_CALL: in_one_call,
            "typed SDK": lambda _: lambda: typed_invoke(self.raw),
            "ChatOpenAI": lambda _: lambda: self.chatopenai.invoke(LC_MESSAGES),
            "ours": lambda _: lambda: self.ours.invoke(LC_MESSAGES),
        }

    def stream(self, pieces: int, alternatives: bool = True) -> dict[str, Setup]:
        def memory(calls: int) -> Callable[[], object]:
            self.memory.load_streams(calls, pieces)
            return lambda: lc_stream(self.memory)

        def building(calls: int) -> Callable[[], object]:
            self.memory.load_streams(calls, pieces, built=False)
            return lambda: lc_stream(self.memory)

        def in_one_call(calls: int) -> Callable[[], object]:
            self.floor_in_one_call.load_streams(calls, pieces)
            return lambda: lc_stream(self.floor_in_one_call)

        setups: dict[str, Setup] = {
            "transport": lambda _: lambda: raw_stream(self.raw),
            "langchain-core": memory,
            "langchain-core, chunks built": building,
            "ours": lambda _: lambda: lc_stream(self.ours),
        }
        if alternatives:
            setups[FLOOR_IN_ONE_CALL] = in_one_call
            setups["typed SDK"] = lambda _: lambda: typed_stream(self.raw)
            setups["ChatOpenAI"] = lambda _: lambda: lc_stream(self.chatopenai)
            setups[UNMERGED] = lambda _: lambda: self._unmerged_stream()
        return setups

    def _unmerged_stream(self) -> None:
        """Ours with each HTTP chunk a piece: no look into h11, no reader thread."""
        unread, inline = _body._unread, _body.INLINE
        _body._unread, _body.INLINE = (lambda response: None), -1
        try:
            lc_stream(self.ours)
        finally:
            _body._unread, _body.INLINE = unread, inline

    def astream(self, pieces: int) -> dict[str, Setup]:
        """The async floor and ours, each call run to completion on one loop."""
        loop = self._loop()
        araw = self._araw()

        def memory(calls: int) -> Callable[[], object]:
            self.memory.load_streams(calls, pieces)
            return lambda: loop.run_until_complete(alc_stream(self.memory))

        return {
            "transport": lambda _: lambda: loop.run_until_complete(araw_stream(araw)),
            "langchain-core": memory,
            "ours": lambda _: lambda: loop.run_until_complete(alc_stream(self.ours)),
        }

    def ainvoke(self) -> dict[str, Setup]:
        """`ainvoke` on ours' shared client, and through a user's `http_async_client`.

        Around a user's client, ours builds an `openai` client for each call.
        """
        loop = self._loop()
        through_user = ChatParallelWeb(
            api_key=KEY,
            base_url=self.url,
            model="speed",
            http_async_client=httpx2.AsyncClient(),
        )
        return {
            "ours": lambda _: (
                lambda: loop.run_until_complete(self.ours.ainvoke(LC_MESSAGES))
            ),
            USER_CLIENT: lambda _: (
                lambda: loop.run_until_complete(through_user.ainvoke(LC_MESSAGES))
            ),
        }

    def _loop(self) -> asyncio.AbstractEventLoop:
        # One loop for every async call: clients belong to the loop they run on.
        if not hasattr(self, "loop"):
            self.loop = asyncio.new_event_loop()
        return self.loop

    def _araw(self) -> openai.AsyncOpenAI:
        if not hasattr(self, "araw"):
            self.araw = openai.AsyncOpenAI(
                api_key=KEY, base_url=self.url, max_retries=2, timeout=60
            )
        return self.araw
