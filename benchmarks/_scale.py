"""Long streams (time and memory as the answer doubles) and concurrent streams."""

from __future__ import annotations

import asyncio
import gc
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx2
import openai
from _calls import (
    Implementations,
    abare_stream,
    alc_stream,
    araw_stream,
    lc_stream,
    raw_stream,
)
from _server import KEY, Server
from _timing import Setup, rotated, rounds
from langchain_core.language_models import BaseChatModel

FLOOR = ("transport", "langchain-core")


def long_stream_times(
    server: Server, impl: Implementations, sizes: list[int], count: int
) -> dict[str, list[float]]:
    """Seconds per stream, keyed "<implementation> <chunks>", sizes interleaved."""
    setups: dict[str, Setup] = {}
    for size in sizes:
        for name, setup in impl.stream(size, alternatives=False).items():
            setups[f"{name} {size}"] = _answering(server, size, setup)
    return rounds(setups, count)


def _answering(server: Server, size: int, setup: Setup) -> Setup:
    def prepared(calls: int) -> Callable[[], object]:
        server.answer(size)
        return setup(calls)

    return prepared


def peak_bytes(server: Server, impl: Implementations, size: int) -> dict[str, int]:
    """Peak memory traced by `tracemalloc` over one stream of each implementation.

    The in-memory model's chunks are built while tracing, because the floor has to
    hold them too: langchain-core keeps every chunk until the stream ends.
    """
    server.answer(size)

    def traced(run: Callable[[], object]) -> int:
        gc.collect()
        tracemalloc.start()
        run()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak

    def memory() -> None:
        impl.memory.load_streams(1, size)
        lc_stream(impl.memory)

    return {
        "transport": traced(lambda: raw_stream(impl.raw)),
        "langchain-core": traced(memory),
        "ours": traced(lambda: lc_stream(impl.ours)),
    }


@dataclass
class Wave:
    """One implementation's result for one wave of concurrent streams."""

    seconds: float
    errors: int


async def _wave(one: Callable[[], Awaitable[int]], streams: int) -> Wave:
    started = time.perf_counter()
    results = await asyncio.gather(
        *(one() for _ in range(streams)), return_exceptions=True
    )
    seconds = time.perf_counter() - started
    errors = sum(isinstance(r, BaseException) or not r for r in results)
    return Wave(seconds, errors)


def concurrency(
    server: Server,
    url: str,
    count: int,
    streams: int = 500,
    pool: int = 100,
    delay: float = 0.2,
) -> dict[str, Any]:
    """Waves of `streams` concurrent async streams, the server answering after
    `delay` s; then new connections after a warm-up wave at `pool` concurrency.
    """
    from langchain_parallel import ChatParallelWeb

    async def scenario() -> dict[str, Any]:
        # The SDK's own pool limits, so that transport and SDK pool alike.
        limits = openai.DEFAULT_CONNECTION_LIMITS
        bare = httpx2.AsyncClient(limits=limits, timeout=60)
        raw = openai.AsyncOpenAI(api_key=KEY, base_url=url, max_retries=2, timeout=60)
        ours: BaseChatModel = ChatParallelWeb(api_key=KEY, base_url=url, timeout=60)
        impls: dict[str, Callable[[], Awaitable[int]]] = {
            "bare transport": lambda: abare_stream(bare, url),
            "transport": lambda: araw_stream(raw),
            "ours": lambda: alc_stream(ours),
        }
        waves: dict[str, list[Wave]] = {name: [] for name in impls}
        for one in impls.values():  # warm-up: pools filled, code paths hot
            await _wave(one, streams)
        for round_no in range(count):
            for name in rotated(list(impls), round_no):
                gc.collect()
                waves[name].append(await _wave(impls[name], streams))
        reuse: dict[str, int] = {}
        for name in ("bare transport", "ours"):
            await _wave(impls[name], pool)
            server.reset()
            for _ in range(3):
                await _wave(impls[name], pool)
            reuse[name] = server.stats()["connections"]
        await bare.aclose()
        await raw.close()
        return {"waves": waves, "new connections": reuse}

    server.answer(30)
    server.delay(delay)
    try:
        return asyncio.run(scenario())
    finally:
        server.delay(0)
