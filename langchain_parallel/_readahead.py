"""Sync streams read ahead: past its start, a thread reads the body meanwhile.

A sync stream otherwise reads one piece of the body per step, and a streaming
server writes one event per piece, so each event would cost LangChain a chunk
(a message it keeps to the end of the stream) even when hundreds are already
waiting in the socket. `Body` reads the first `INLINE` pieces in the caller's
thread, then hands reading to a thread of its own that queues pieces as they
arrive, and each step of the stream takes all that waits, as the async path
does with a reader task (`_transport._backlog`). Nothing waits for more data, so
no byte is delayed: pieces merge only while the caller is slower than the
network. A short answer never starts a thread: starting one costs 0.3-0.4 ms on
the build machine, which merging repays only from a few dozen events on.

Once the thread has started, only it touches the response. A caller that stops
early wakes a read blocked on a quiet connection by shutting the socket down (a
file descriptor that stays open, unlike `close`, so no other connection can take
its number meanwhile), and only while the body has not been released: once the
reader has read to the end, httpcore may already have handed the connection to
another request. `_Release` orders the two with a lock.
"""

from __future__ import annotations

import contextlib
import queue
import socket
import threading
from collections.abc import Iterator

import httpx2

INLINE = 64
"""Pieces read in the caller's thread before a reader thread takes over."""
READER = "langchain-parallel stream reader"
"""The reader threads' name."""
_END = object()


class _Release(httpx2.SyncByteStream):
    """A response's byte stream whose release is ordered with `interrupt`."""

    def __init__(self, inner: httpx2.SyncByteStream, sock: socket.socket) -> None:
        self._inner = inner
        self._sock = sock
        self._lock = threading.Lock()
        self._released = False

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._inner)

    def close(self) -> None:
        with self._lock:
            self._released = True
            self._inner.close()

    def interrupt(self) -> None:
        """Wake a read blocked on this connection, unless it has been released."""
        with self._lock:
            if not self._released:
                with contextlib.suppress(OSError):  # already closed by the peer
                    self._sock.shutdown(socket.SHUT_RDWR)


def _own_socket(response: httpx2.Response) -> socket.socket | None:
    """The socket of `response`'s connection if no other request can share it.

    That is HTTP/1.1 with a socket to wake: HTTP/2 multiplexes streams on one
    connection, and a custom transport may have no socket at all.
    """
    network = response.extensions.get("network_stream")
    sock = network.get_extra_info("socket") if network is not None else None
    if response.http_version != "HTTP/1.1" or not isinstance(sock, socket.socket):
        return None
    return sock


class Body:
    """A streamed response's body; iterating gives it read by read, then merged.

    Past the first `INLINE` pieces (and only where the connection is the
    response's own), each step gives everything that arrived since the last
    one, waiting only when nothing has; a read error is raised after the bytes
    that came before it. `close()` closes the response, early or not.
    """

    def __init__(self, response: httpx2.Response) -> None:
        """Prepare to read `response`; nothing is read until iterated."""
        self._response = response
        self._pieces = response.iter_bytes()
        self._reader: tuple[threading.Thread, _Release] | None = None
        self._arrived: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._stopping = False

    def __iter__(self) -> Iterator[bytes]:
        """The body's bytes: as read at first, then as much as has piled up."""
        for read, piece in enumerate(self._pieces, 1):
            yield piece
            if read == INLINE:
                break
        else:
            return
        sock = _own_socket(self._response)
        if sock is None:  # no read could be woken: go on reading here
            yield from self._pieces
            return
        self._start_reader(sock)
        get, waiting = self._arrived.get, self._arrived.empty
        while True:
            items = [get()]
            while not waiting():
                items.append(get())
            data = b"".join(item for item in items if type(item) is bytes)
            if data:
                yield data
            for item in items:
                if isinstance(item, BaseException):
                    raise item
            if items[-1] is _END:
                return

    def _start_reader(self, sock: socket.socket) -> None:
        release = _Release(self._response.stream, sock)  # type: ignore[arg-type]
        self._response.stream = release
        thread = threading.Thread(target=self._read, name=READER, daemon=True)
        self._reader = thread, release
        thread.start()

    def _read(self) -> None:
        put = self._arrived.put
        try:
            for piece in self._pieces:
                put(piece)
                if self._stopping:
                    break
        except BaseException as exc:  # raised in the caller's thread, in order
            put(exc)
        finally:
            self._response.close()
            put(_END)

    def close(self) -> None:
        """Close the response; with a reader, once the reader has let it go."""
        if self._reader is None:
            self._response.close()
            return
        thread, release = self._reader
        self._stopping = True
        if thread.is_alive():
            release.interrupt()
            thread.join()
