"""SDK clients pointed at Parallel, one pair per SDK and distinct configuration.

Chat goes through the `openai` SDK (Parallel's Chat API is OpenAI-compatible);
search, extract and tasks through Parallel's own `parallel-web` SDK, imported only
when one of those is first used. Building a client costs far more than building a
model (it sets up an HTTP connection pool), so clients are cached here and shared by
every model, tool and retriever with the same key, base URL, timeout and retry
budget. A sync client is built on the first sync call; async clients on the first
async call, one per event loop, because a
connection pool belongs to the loop that opened its connections. An async client is
closed when its loop shuts down its async generators (as `asyncio.run` does), so
short-lived loops leave no sockets behind.

An HTTP client the user passed (`http_client=` / `http_async_client=`: proxies,
custom transports) takes its own path: it is never cached, shared with other
configurations or closed here. Each call wraps it in a fresh `openai` client, a
thin shell (tens of microseconds) around the user's own connection pool.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar, cast
from urllib.parse import urlsplit

import httpx2
import openai

from langchain_parallel.errors import ConfigError, MissingAPIKeyError


@dataclass(frozen=True)
class ClientConfig:
    """Everything that makes two clients different. The key stays out of `repr`.

    `default_headers` go with every request (header values can be secrets, so they
    stay out of `repr` too). `http_client` / `http_async_client` are the user's own
    `httpx2` clients; they compare by identity. Only the `openai` (chat) clients
    can use them: `parallel-web` runs on `httpx`, so `parallel_client` refuses them
    rather than drop them.
    """

    api_key: str = field(repr=False)
    base_url: str
    timeout: float
    max_retries: int
    default_headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    http_client: httpx2.Client | None = field(default=None, repr=False)
    http_async_client: httpx2.AsyncClient | None = field(default=None, repr=False)


if TYPE_CHECKING:
    import parallel
    from pydantic import SecretStr


class _Closeable(Protocol):
    def close(self) -> object: ...


class _AsyncCloseable(Protocol):
    async def close(self) -> object: ...


_C = TypeVar("_C", bound=_Closeable)
_A = TypeVar("_A", bound=_AsyncCloseable)
# A cache key: which SDK's client, for which configuration.
_Key = tuple[str, ClientConfig]
_LoopClient = tuple[Any, AsyncGenerator[None, None]]
_lock = threading.Lock()
_sync_clients: dict[_Key, Any] = {}
_async_clients: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[_Key, _LoopClient]
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


def required_key(api_key: SecretStr | None, owner: str) -> str:
    """The key's value, or `MissingAPIKeyError` saying where to put one for `owner`."""
    key = api_key.get_secret_value() if api_key is not None else ""
    if not key:
        raise MissingAPIKeyError(
            "No Parallel API key: set the PARALLEL_API_KEY environment variable "
            f"(or put it in .env), or pass api_key=... to {owner}."
        )
    return key


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
            **dict(config.default_headers),
        },
    }


class _OpenAI(openai.OpenAI):
    """The SDK's client, merging each path with `base_url` once rather than per call.

    The SDK's `_prepare_url` parses the path and rebuilds the URL on every request,
    a fifth of the time it takes to build one; the result depends only on the
    path and `base_url` (checked, in case someone sets it). `httpx2.URL` is
    immutable, so one object serves every request.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._urls: dict[str, tuple[httpx2.URL, httpx2.URL]] = {}

    def _prepare_url(self, url: str) -> httpx2.URL:
        return _prepared(self._urls, self.base_url, url, super()._prepare_url)


class _AsyncOpenAI(openai.AsyncOpenAI):
    """The async twin of `_OpenAI`, which also learns the platform once per process.

    The async SDK client looks up the platform (OS and architecture, for its
    `X-Stainless-*` headers) on its first request, in a worker thread because the
    lookup may block, and keeps it on the client. The answer is the same for every
    client in the process, so it is kept here once for all of them. A client
    around the user's own `http_async_client` is built for each call, and would
    otherwise send every call through the loop's default executor and back (about
    0.4 ms of CPU a call, and a queue when hundreds run at once); so would the
    first call on each new event loop.
    """

    _known_platform: ClassVar[Any] = None

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._urls: dict[str, tuple[httpx2.URL, httpx2.URL]] = {}

    @property
    def _platform(self) -> Any:
        return _AsyncOpenAI._known_platform

    @_platform.setter
    def _platform(self, platform: Any) -> None:
        if platform is not None:  # the SDK's `__init__` starts it at None
            _AsyncOpenAI._known_platform = platform

    def _prepare_url(self, url: str) -> httpx2.URL:
        return _prepared(self._urls, self.base_url, url, super()._prepare_url)


def _prepared(
    cache: dict[str, tuple[httpx2.URL, httpx2.URL]],
    base: httpx2.URL,
    url: str,
    prepare: Callable[[str], httpx2.URL],
) -> httpx2.URL:
    hit = cache.get(url)
    if hit is not None and hit[0] is base:
        return hit[1]
    prepared = prepare(url)
    cache[url] = (base, prepared)
    return prepared


def _parallel_options(config: ClientConfig) -> dict[str, object]:
    return {
        "api_key": config.api_key,
        "base_url": config.base_url,
        "timeout": config.timeout,
        "max_retries": config.max_retries,
        "default_headers": dict(config.default_headers),
    }


def _cached(sdk: str, config: ClientConfig, build: Callable[[], _C]) -> _C:
    client = _sync_clients.get((sdk, config))
    if client is None:
        with _lock:
            client = _sync_clients.get((sdk, config))
            if client is None:
                client = _sync_clients[(sdk, config)] = build()
    return cast("_C", client)


async def _cached_on_loop(
    sdk: str, config: ClientConfig, build: Callable[[], _A]
) -> _A:
    loop = asyncio.get_running_loop()
    per_loop = _async_clients.get(loop)
    if per_loop is None:
        with _lock:
            per_loop = _async_clients.setdefault(loop, {})
    entry = per_loop.get((sdk, config))
    if entry is None:
        client = build()
        closer = _close_at_loop_shutdown(client)
        # Started here, the generator is registered with the loop, which closes it
        # (and so the client) in `shutdown_asyncgens`; we hold the only reference.
        await closer.__anext__()
        entry = per_loop.setdefault((sdk, config), (client, closer))
    return cast("_A", entry[0])


def sync_client(config: ClientConfig) -> openai.OpenAI:
    """The shared sync `openai` client (chat) for `config`.

    Around the user's `http_client` when one was given: built for this call only.
    """
    if config.http_client is not None:
        return _OpenAI(**_options(config), http_client=config.http_client)
    return _cached("openai", config, lambda: _OpenAI(**_options(config)))


async def async_client(config: ClientConfig) -> openai.AsyncOpenAI:
    """The shared async `openai` client (chat) for `config` on the running loop.

    Around the user's `http_async_client` when one was given: built for this call
    only (the user's client belongs to the loop the user opened it on).
    """
    if config.http_async_client is not None:
        return _AsyncOpenAI(**_options(config), http_client=config.http_async_client)
    return await _cached_on_loop(
        "openai",
        config,
        lambda: _AsyncOpenAI(**_options(config), http_client=_async_http_client()),
    )


def _async_http_client() -> httpx2.AsyncClient:
    """What the SDK builds for itself, its pools finding sockets once (`_sockets`).

    `DefaultAsyncHttpxClient` is the SDK's own timeout, connection limits and
    redirects; proxies from the environment are mounted as for the SDK's client.
    """
    from langchain_parallel import _sockets

    return _sockets.find_sockets_once(openai.DefaultAsyncHttpxClient())


def _refuse_user_clients(config: ClientConfig) -> None:
    if config.http_client is not None or config.http_async_client is not None:
        raise ConfigError(
            "http_client / http_async_client are httpx2 clients for the openai SDK "
            "(chat); Parallel's search, extract and task APIs run on the parallel-web "
            "SDK, which cannot use them."
        )


def parallel_client(config: ClientConfig) -> parallel.Parallel:
    """The shared sync `parallel-web` client (search, extract, tasks)."""
    _refuse_user_clients(config)
    import parallel

    return _cached(
        "parallel",
        config,
        lambda: parallel.Parallel(**_parallel_options(config)),  # type: ignore[arg-type]
    )


async def async_parallel_client(config: ClientConfig) -> parallel.AsyncParallel:
    """The shared async `parallel-web` client on the running event loop."""
    _refuse_user_clients(config)
    import parallel

    return await _cached_on_loop(
        "parallel",
        config,
        lambda: parallel.AsyncParallel(
            **_parallel_options(config)  # type: ignore[arg-type]
        ),
    )


async def _close_at_loop_shutdown(
    client: _AsyncCloseable,
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
