"""A loopback HTTP server that plays back exactly the bytes a test scripts.

The stand-in answers as Parallel documents; real servers, proxies and load
balancers differ in ways only bytes show: where one write ends and the next
begins, which line ends they use, which charset they name, whether a body ends
cleanly. Each accepted connection reads one request, takes the next script queued
with `play`, and runs its steps in order:

- `bytes`: written as they are, in one `send` (with TCP_NODELAY, so small writes
  leave at once);
- a `float`: sleep that many seconds;
- a `Gate`: wait until the test opens it (a client that holds data back never
  lets the test open it, and the gate records that it timed out);
- `RESET`: abort the connection (TCP RST) instead of closing it.

The connection closes when the script ends. `response(...)`, `stream_head(...)`
and `chunk(...)` build the usual byte sequences. Given an `ssl.SSLContext`, the
server speaks TLS (`https://` URL): each write then leaves as TLS records, and a
client's read brings at most one of them, as from a real HTTPS server.
"""

from __future__ import annotations

import socket
import ssl
import struct
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus


@dataclass
class Gate:
    """A point in a script where the server waits for the test."""

    timeout: float = 10.0
    opened: threading.Event = field(default_factory=threading.Event)
    timed_out: bool = False

    def open(self) -> None:
        """Let the script go on."""
        self.opened.set()

    def wait(self) -> None:
        self.timed_out = not self.opened.wait(self.timeout)


class _Reset:
    def __repr__(self) -> str:
        return "RESET"


RESET = _Reset()
Step = bytes | float | Gate | _Reset


@dataclass
class Request:
    """One request as received: its head (request line and headers) and body."""

    head: bytes
    body: bytes


class RawServer:
    """Serves scripted bytes on 127.0.0.1; one script per connection, in order."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._tls = tls
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self._listener.getsockname()[1]}"
        self.requests: list[Request] = []
        self._scripts: deque[Sequence[Step]] = deque()
        self._closed = False
        self._served = threading.Semaphore(0)

    def play(self, *scripts: Sequence[Step]) -> None:
        """Queue scripts: the next connections take them in this order."""
        self._scripts.extend(scripts)

    def served(self, timeout: float = 10.0) -> None:
        """Wait until one more connection has been served and closed."""
        if not self._served.acquire(timeout=timeout):
            raise TimeoutError(f"no connection was closed within {timeout} s")

    def start(self) -> RawServer:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def stop(self) -> None:
        self._closed = True
        self._listener.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            if self._tls is not None:
                conn = self._tls.wrap_socket(conn, server_side=True)
            request = _read_request(conn)
            if request is None:
                return
            self.requests.append(request)
            script = self._scripts.popleft() if self._scripts else _NO_SCRIPT
            for step in script:
                if isinstance(step, bytes):
                    conn.sendall(step)
                elif isinstance(step, float):
                    time.sleep(step)
                elif isinstance(step, Gate):
                    step.wait()
                else:  # RESET: close with SO_LINGER 0, which sends RST
                    conn.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    return
            conn.shutdown(socket.SHUT_WR)
        except OSError:  # the client went away: nothing left to play
            pass
        finally:
            conn.close()
            self._served.release()


def _read_request(conn: socket.socket) -> Request | None:
    data = b""
    while b"\r\n\r\n" not in data:
        piece = conn.recv(65536)
        if not piece:
            return None
        data += piece
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        piece = conn.recv(65536)
        if not piece:
            break
        body += piece
    return Request(head, body)


def _head(status: int, headers: Mapping[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def response(
    body: bytes,
    *,
    status: int = 200,
    content_type: str = "application/json",
    headers: Mapping[str, str] | None = None,
) -> list[Step]:
    """A whole answer with a `content-length`."""
    fields = {
        "content-type": content_type,
        "content-length": str(len(body)),
        "connection": "close",
        **(headers or {}),
    }
    return [_head(status, fields) + body]


def stream_head(
    content_type: str = "text/event-stream", *, chunked: bool = False
) -> bytes:
    """The head of a streamed answer: its body ends at close, or is chunked."""
    fields = {"content-type": content_type, "connection": "close"}
    if chunked:
        fields["transfer-encoding"] = "chunked"
    return _head(200, fields)


def chunk(data: bytes) -> bytes:
    """`data` as one chunk of a chunked body (`CHUNKED_END` ends the body)."""
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


CHUNKED_END = b"0\r\n\r\n"
_NO_SCRIPT = response(b'{"error": "the test queued no script"}', status=500)


@contextmanager
def raw_server(tls: ssl.SSLContext | None = None) -> Iterator[RawServer]:
    """A started server, stopped afterwards."""
    server = RawServer(tls).start()
    try:
        yield server
    finally:
        server.stop()
