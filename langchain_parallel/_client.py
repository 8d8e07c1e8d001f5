"""`openai` clients pointed at Parallel, one pair per distinct configuration.

Building an `openai` client costs far more than building a chat model (it sets up an
HTTP connection pool), so clients are cached here and shared by every model with the
same key, base URL, timeout and retry budget. The sync client is built on the first
sync call; async clients on the first async call, one per event loop, because a
connection pool belongs to the loop that opened its connections. An async client is
closed when its loop shuts down its async generators (as `asyncio.run` does), so
short-lived loops leave no sockets behind.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import openai

from langchain_parallel.errors import ConfigError


@dataclass(frozen=True)
class ClientConfig:
    """Everything that makes two clients different. The key stays out of `repr`."""

    api_key: str = field(repr=False)
    base_url: str
    timeout: float
    max_retries: int


_LoopClient = tuple[openai.AsyncOpenAI, AsyncGenerator[None, None]]
_lock = threading.Lock()
_sync_clients: dict[ClientConfig, openai.OpenAI] = {}
_async_clients: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[ClientConfig, _LoopClient]
] = weakref.WeakKeyDictionary()


def check_base_url(base_url: str) -> str:
    """Return `base_url` without a trailing slash, or raise `ConfigError`."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"base_url must be an http(s) URL such as https://api.parallel.ai, "
            f"got {base_url!r}. Set it with base_url= or PARALLEL_BASE_URL."
        )
    return base_url.rstrip("/")


def _options(config: ClientConfig) -> dict[str, object]:
    return {
        "api_key": config.api_key,
        "base_url": config.base_url,
        "timeout": config.timeout,
        "max_retries": config.max_retries,
        # Keep OpenAI account identifiers from OPENAI_ORG_ID / OPENAI_PROJECT_ID
        # out of requests to Parallel.
        "organization": None,
        "project": None,
        "default_headers": {
            "OpenAI-Organization": openai.Omit(),
            "OpenAI-Project": openai.Omit(),
        },
    }


def sync_client(config: ClientConfig) -> openai.OpenAI:
    """The shared sync client for `config`."""
    client = _sync_clients.get(config)
    if client is None:
        with _lock:
            client = _sync_clients.get(config)
            if client is None:
                client = openai.OpenAI(**_options(config))  # type: ignore[arg-type]
                _sync_clients[config] = client
    return client


async def async_client(config: ClientConfig) -> openai.AsyncOpenAI:
    """The shared async client for `config` on the running event loop."""
    loop = asyncio.get_running_loop()
    per_loop = _async_clients.get(loop)
    if per_loop is None:
        with _lock:
            per_loop = _async_clients.setdefault(loop, {})
    entry = per_loop.get(config)
    if entry is None:
        client = openai.AsyncOpenAI(**_options(config))  # type: ignore[arg-type]
        closer = _close_at_loop_shutdown(client)
        # Started here, the generator is registered with the loop, which closes it
        # (and so the client) in `shutdown_asyncgens`; we hold the only reference.
        await closer.__anext__()
        entry = per_loop.setdefault(config, (client, closer))
    return entry[0]


async def _close_at_loop_shutdown(
    client: openai.AsyncOpenAI,
) -> AsyncGenerator[None, None]:
    try:
        yield
    finally:
        await client.close()


def reset_clients() -> None:
    """Close the sync clients and forget every cached client (tests, forks)."""
    with _lock:
        for client in _sync_clients.values():
            client.close()
        _sync_clients.clear()
        _async_clients.clear()


def cached_client_count() -> int:
    """How many clients are cached now, sync and async together."""
    return len(_sync_clients) + sum(len(v) for v in _async_clients.values())
