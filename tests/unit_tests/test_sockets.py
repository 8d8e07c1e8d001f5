"""The async pool's connections find their socket once, and behave as before.

`_sockets` wraps the network backend of the pool under the shared async client
(see its docstring for why). What must not change: a connection the server
closed while it sat idle is never used again, TLS works, proxies from the
environment still apply, and the client keeps the SDK's own settings.
"""

from __future__ import annotations

import json
import socket
import ssl
from pathlib import Path
from typing import Any

import httpcore2
import httpx2
import openai
import pytest
import trustme
from parallel_standin import StandIn
from raw_server import RawServer, response

from langchain_parallel import ChatParallelWeb
from langchain_parallel._client import ClientConfig, _options, async_client
from langchain_parallel._sockets import SocketOnceBackend, readable

ANSWER = json.dumps(
    {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "speed",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Hi there"},
                "finish_reason": "stop",
            }
        ],
    }
).encode()
# A keep-alive answer: the client pools the connection, then the server closes it.
KEPT = response(ANSWER, headers={"connection": "keep-alive"})


def _llm(url: str) -> ChatParallelWeb:
    return ChatParallelWeb(api_key="k", base_url=url, max_retries=0, timeout=30)


def _pools(http: httpx2.AsyncClient) -> dict[str, Any]:
    """Each pool of a client (its transport's, then each mount's), by pattern."""
    transports = {"": http._transport}
    transports.update({m.pattern: t for m, t in http._mounts.items()})
    return {
        pattern: None if transport is None else transport._pool  # type: ignore[attr-defined]
        for pattern, transport in transports.items()
    }


def _settings(pool: Any) -> dict[str, Any]:
    if pool is None:  # a NO_PROXY pattern: no pool, the request goes direct
        return {}
    context = pool._ssl_context
    return {
        "kind": type(pool),
        "limits": (
            pool._max_connections,
            pool._max_keepalive_connections,
            pool._keepalive_expiry,
        ),
        "protocols": (pool._http1, pool._http2),
        "retries": pool._retries,
        "proxy": str(getattr(pool, "_proxy_url", "")),
        "verify": (context.verify_mode, context.check_hostname),
    }


async def test_the_shared_async_client_is_the_one_the_sdk_builds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:3128")
    monkeypatch.setenv("NO_PROXY", "localhost")
    config = ClientConfig(
        api_key="k", base_url="http://127.0.0.1:9", timeout=30, max_retries=0
    )
    ours = (await async_client(config))._client
    sdk = openai.AsyncOpenAI(**_options(config))._client
    ours_pools, sdk_pools = _pools(ours), _pools(sdk)
    assert set(ours_pools) == set(sdk_pools)  # the proxies from the environment
    for pattern, pool in ours_pools.items():
        assert _settings(pool) == _settings(sdk_pools[pattern])
        # The route `find_sockets_once` takes into httpcore2: a failure here means
        # an upgrade moved it, and pools went back to a lookup per idle connection.
        if pool is not None:
            assert isinstance(pool._network_backend, SocketOnceBackend)
    assert (ours.follow_redirects, ours.trust_env) == (True, True)
    assert (sdk.follow_redirects, sdk.trust_env) == (True, True)
    await sdk.aclose()


class _Counting(httpcore2.AsyncNetworkStream):
    """A stream that counts how often it is asked for its socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.lookups = 0

    def get_extra_info(self, info: str) -> Any:
        self.lookups += info in ("socket", "is_readable")
        return self.sock if info == "socket" else None


class _OneStream(httpcore2.AsyncNetworkBackend):
    def __init__(self, stream: httpcore2.AsyncNetworkStream) -> None:
        self.stream = stream

    async def connect_tcp(self, *args: Any, **kwargs: Any) -> Any:
        return self.stream


async def test_a_stream_looks_its_socket_up_once() -> None:
    ours, peer = socket.socketpair()
    with ours, peer:
        inner = _Counting(ours)
        stream = await SocketOnceBackend(_OneStream(inner)).connect_tcp("h", 1)
        for _ in range(50):  # what the pool asks of an idle connection, each pass
            assert not stream.get_extra_info("is_readable")
        peer.close()
        assert stream.get_extra_info("is_readable")
        assert stream.get_extra_info("socket") is ours
        assert inner.lookups == 1


async def test_an_open_connection_is_reused(standin: StandIn) -> None:
    llm = ChatParallelWeb(api_key="standin-key", base_url=standin.url)
    for _ in range(3):
        assert (await llm.ainvoke("Hi")).content
        assert [c async for c in llm.astream("Hi")]
    assert standin.connections == 1


@pytest.fixture
def trusted_tls(
    raw_tls: RawServer,
    tls_ca: trustme.CA,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> RawServer:
    """`raw_tls`, whose CA the shared client trusts (through SSL_CERT_FILE)."""
    tls_ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
    return raw_tls


@pytest.mark.parametrize("server", ["raw", "trusted_tls"])
async def test_a_connection_the_server_closed_while_idle_is_not_reused(
    server: str, request: pytest.FixtureRequest
) -> None:
    raw: RawServer = request.getfixturevalue(server)
    raw.play(KEPT, KEPT)
    llm = _llm(raw.url)
    for _ in range(2):  # with max_retries=0, a dead connection would fail the call
        assert (await llm.ainvoke("Hi")).content == "Hi there"
        raw.served()  # closed on the server's side, idle on ours
    assert len(raw.requests) == 2


async def test_a_proxy_from_the_environment_still_applies(
    raw: RawServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for scheme in ("http", "https", "all", "no"):
        for name in (f"{scheme}_proxy", f"{scheme.upper()}_PROXY"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", raw.url)
    raw.play(response(ANSWER))
    llm = _llm("http://parallel.invalid")  # reached only through the proxy
    assert (await llm.ainvoke("Hi")).content == "Hi there"
    line = raw.requests[0].head.split(b"\r\n")[0]
    assert line == b"POST http://parallel.invalid/chat/completions HTTP/1.1"


def test_readable_means_a_read_would_not_wait() -> None:
    ours, peer = socket.socketpair()
    with ours, peer:
        assert not readable(ours)  # connected, nothing sent
        peer.sendall(b"x")
        assert readable(ours)
        ours.recv(1)
        assert not readable(ours)
        peer.close()
        assert readable(ours)  # the peer's close: the next read returns b""
    assert readable(ours)  # closed here: no file descriptor
    assert readable(None)


async def test_a_stream_stays_wrapped_through_tls(
    raw_tls: RawServer, tls: tuple[ssl.SSLContext, ssl.SSLContext]
) -> None:
    backend = SocketOnceBackend(httpcore2.AnyIOBackend())
    port = int(raw_tls.url.rsplit(":", 1)[1])
    plain = await backend.connect_tcp("127.0.0.1", port, timeout=10)
    secure = await plain.start_tls(tls[1], "127.0.0.1", timeout=10)
    try:
        assert type(secure) is type(plain)  # what HTTPS connections use
        assert secure.get_extra_info("socket").fileno() >= 0
        assert secure.get_extra_info("ssl_object") is not None  # passed through
    finally:
        await secure.aclose()
