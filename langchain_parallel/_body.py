"""Sync stream bodies, merged: each step gives all that has arrived meanwhile.

Every event a streaming server writes would otherwise cost LangChain a chunk (a
message it keeps to the end of the stream), even when dozens had arrived before
the caller asked. Two things merge them, and nothing waits for more data, so no
text is delayed: pieces merge only while the caller is slower than the network.

- **What one read brought.** httpcore hands a chunked body over one HTTP chunk
  at a time, even when a single read of the connection brought dozens. `Body`
  asks h11, the HTTP/1.1 parser under httpcore, what it holds that has not been
  handed over yet (its public `Connection.trailing_data`) and takes the HTTP
  chunks complete in it along with the one just read. httpcore does not expose
  the h11 connection of a response; `_unread` finds it through private
  attributes of httpx2 and httpcore2, and
  `test_events_that_arrive_in_one_read_make_one_chunk` (`test_streams.py`)
  fails if an upgrade moves them. Where it is not found (HTTP/2, a custom
  transport, another version) or the body is compressed, pieces come as httpx2
  reads them.
- **What several reads brought.** Over TLS a read brings one TLS record, and
  servers write one per event, so the first way merges nothing there. Past the
  body's first `INLINE` steps, a thread of its own reads the connection and
  queues what arrives, and each step takes all that waits, as the async path
  does with a reader task (`_transport._backlog`). A short answer never starts a
  thread: starting one costs 0.3-0.4 ms on the build machine, which merging
  repays only from a few dozen events on.

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
import re
import socket
import threading
from collections.abc import Callable, Generator, Iterator
from typing import Any

import httpx2

INLINE = 64
"""Steps read in the caller's thread (a piece each, with the HTTP chunks taken
along) before a reader thread takes over."""
READER = "langchain-parallel stream reader"
"""The reader threads' name."""
_END = object()

_CHUNK_HEAD = re.compile(rb"([0-9A-Fa-f]{1,20})[^\r\n]*\r\n")
"""A chunk's size line: its size, and whatever else the line holds up to CRLF."""


class Body:
    """A streamed response's body; iterating gives it merged, step by step.

    Each step gives the piece just read with all that h11 already holds whole;
    past the first `INLINE` steps (and only where the connection is the
    response's own), everything that arrived since the last step, waiting only
    when nothing has. A read error is raised after the bytes that came before
    it. `close()` closes the response, early or not.
    """

    def __init__(self, response: httpx2.Response) -> None:
        """Prepare to read `response`; nothing is read until iterated."""
        self._response = response
        self._pieces = response.iter_bytes()
        self._reader: tuple[threading.Thread, _Release] | None = None
        self._arrived: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._stopping = False

    def __iter__(self) -> Iterator[bytes]:
        """The body's bytes: read by read at first, then as much as has piled up."""
        if (yield from self._read_here(INLINE)):
            return
        sock = _own_socket(self._response)
        if sock is None:  # no read could be woken: go on reading here
            yield from self._read_here(-1)
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

    def _read_here(self, steps: int) -> Generator[bytes, None, bool]:
        """Read here: each piece with the HTTP chunks h11 already holds whole.

        At most `steps` steps (all if negative); true once the body has ended.
        """
        pieces = self._pieces
        unread = _unread(self._response)
        for piece in pieces:
            ready = _complete_chunks(unread()) if unread is not None else 0
            if not ready:
                yield piece
            else:
                parts = [piece]
                error: Exception | None = None
                try:
                    for _ in range(ready):
                        parts.append(next(pieces))
                except StopIteration:  # the body was read meanwhile (an event hook)
                    pass
                except Exception as exc:  # raised once the bytes before it are out
                    error = exc
                yield b"".join(parts)
                if error is not None:
                    raise error
            steps -= 1
            if not steps:
                return False
        return True

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


def _unread(response: httpx2.Response) -> Callable[[], bytes] | None:
    """What h11 holds of `response`'s chunked body, if it can be asked."""
    headers = response.headers
    if headers.get("transfer-encoding", "").lower() != "chunked" or headers.get(
        "content-encoding", "identity"
    ).lower() not in ("", "identity"):
        return None
    # httpx2's client stream -> its transport's -> httpcore2's pool stream ->
    # the HTTP/1.1 connection's -> the connection -> its h11 state.
    parser: Any = response.stream
    for name in ("_stream", "_httpcore_stream", "_stream", "_connection", "_h11_state"):
        parser = getattr(parser, name, None)
    # An h11.Connection, known by its public property: h11 is httpcore2's
    # dependency, not ours, so it is not imported here.
    if not isinstance(getattr(type(parser), "trailing_data", None), property):
        return None
    return lambda: bytes(parser.trailing_data[0])


def _complete_chunks(unread: bytes) -> int:
    """How many more body pieces h11 can hand over from `unread` alone.

    `unread` follows a piece that ended its HTTP chunk (had it not, h11 would
    have taken all it held), so it opens with that chunk's CRLF. Each HTTP chunk
    after it counts once its size line is whole and one byte of its data has
    come: h11 hands over what it has of a chunk without waiting for the rest.
    The last chunk (size 0) or an incomplete line ends the count, leaving it to
    a plain read; a line h11 rejects may count, and then h11's error is raised
    once the pieces before it are out. `tests/unit_tests/test_body.py` holds the
    count to what h11 gives.
    """
    count, at, size = 0, 2, len(unread)
    while (head := _CHUNK_HEAD.match(unread, at)) is not None:
        length = int(head[1], 16)
        start = head.end()
        if not length or start >= size:
            break
        count += 1
        at = start + length + 2
    return count


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
