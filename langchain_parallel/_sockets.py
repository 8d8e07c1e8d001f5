"""An async connection pool whose connections look their socket up once.

httpcore's pool checks its idle connections each time it assigns a request or
takes a connection back: `has_expired()` asks each one's network stream whether
the server has closed it, `get_extra_info("is_readable")`. To find the socket,
anyio's streams rebuild their whole table of attributes on every such call (a
`getpeername` system call included, more over TLS). With hundreds of streams at
once, that lookup was about a quarter of the client's CPU.

`find_sockets_once(client)` wraps the network backend of each pool of an
`httpx2.AsyncClient` the package built: the streams they open find their socket
once and answer `"is_readable"` from it with the same zero-timeout poll httpcore
uses. Everything else (reads, writes, TLS, the other attributes) is the
backend's own, and so is everything the client was built with (limits, proxies
from the environment, TLS settings). The route to a pool's backend runs through
private attributes of `httpx2` and `httpcore2`; where it is missing (an upgrade
that moved it), the pool is left as it was built, and a test fails.
"""

from __future__ import annotations

import select
import ssl
from collections.abc import Iterable
from typing import Any, Protocol

import httpcore2
import httpx2


def find_sockets_once(client: httpx2.AsyncClient) -> httpx2.AsyncClient:
    """`client`, the network backends of its pools wrapped; returned for chaining.

    Its own transport and those mounted beside it (proxies from the environment)
    are wrapped alike; a transport of another kind is left as it is.
    """
    transports = [client._transport, *client._mounts.values()]
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if (
            isinstance(pool, httpcore2.AsyncConnectionPool)
            and isinstance(backend, httpcore2.AsyncNetworkBackend)
            and not isinstance(backend, SocketOnceBackend)
        ):
            pool._network_backend = SocketOnceBackend(backend)
    return client


class _Socket(Protocol):
    """A socket, or what a backend gives for one (asyncio's `TransportSocket`)."""

    def fileno(self) -> int: ...


class SocketOnceBackend(httpcore2.AsyncNetworkBackend):
    """`backend`, handing out streams that find their socket once."""

    def __init__(self, backend: httpcore2.AsyncNetworkBackend) -> None:
        self._backend = backend

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.AsyncNetworkStream:
        stream = await self._backend.connect_tcp(
            host,
            port,
            timeout=timeout,
            local_address=local_address,
            socket_options=socket_options,
        )
        return _SocketOnceStream(stream)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.AsyncNetworkStream:
        stream = await self._backend.connect_unix_socket(
            path, timeout=timeout, socket_options=socket_options
        )
        return _SocketOnceStream(stream)

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


class _SocketOnceStream(httpcore2.AsyncNetworkStream):
    def __init__(self, stream: httpcore2.AsyncNetworkStream) -> None:
        self._stream = stream
        self._socket: _Socket | None = None
        self._looked_up = False

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._stream.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._stream.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore2.AsyncNetworkStream:
        tls = await self._stream.start_tls(ssl_context, server_hostname, timeout)
        return _SocketOnceStream(tls)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return readable(self._raw_socket())
        if info == "socket":
            return self._raw_socket()
        return self._stream.get_extra_info(info)

    def _raw_socket(self) -> _Socket | None:
        if not self._looked_up:
            self._socket = self._stream.get_extra_info("socket")
            self._looked_up = True
        return self._socket


def readable(sock: _Socket | None) -> bool:
    """Whether a read would return at once: data waits, or the peer has closed.

    A socket that is gone (None, or closed: no file descriptor) counts as
    readable, as httpcore counts it: the next read would return the end.
    """
    fd = -1 if sock is None else sock.fileno()
    if fd < 0:
        return True
    if not hasattr(select, "poll"):  # Windows
        ready, _, _ = select.select([fd], [], [], 0)
        return bool(ready)
    poll = select.poll()
    poll.register(fd, select.POLLIN)
    return bool(poll.poll(0))
