"""The stand-in's HTTP server: routing, auth, injected faults and answer writers.

Each API the stand-in serves is an object with `routes` (a list of `Route`) and a
`reset()`; the server records every request, applies queued faults that any API can
suffer (an error status, a slow answer), checks the key, then hands the request to
the route whose method and path pattern match. Faults that only make sense for one
API (a cut stream, a malformed completion) are left on the `Exchange` for its
handler to act on.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

DEFAULT_KEY = "standin-key"


@dataclass
class Fault:
    """One injected misbehaviour, used by the next request (or every one if `sticky`).

    Any API: "status" (answer `status` with an error body of `shape`: "parallel",
    "fastapi", "openai" or "html"), "slow" (wait `delay` s, then answer normally).
    Chat: "malformed" (200 with a broken JSON body), "stream_error" (an error event
    after `after` chunks), "stream_cut" (close the connection after `after` chunks),
    "stream_stall" (wait `delay` s after `after` chunks), "stream_slow" (wait
    `delay` s before every chunk), "stream_truncated" (end cleanly after `after`
    chunks with no final chunk and no `[DONE]`).
    """

    kind: str
    status: int = 500
    shape: str = "parallel"
    message: str = "Injected failure"
    retry_after: str | None = None
    after: int = 2
    delay: float = 0.0
    sticky: bool = False


@dataclass
class Seen:
    """A request as the server received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    query: dict[str, list[str]] = field(default_factory=dict)


class Api(Protocol):
    """One API the stand-in serves."""

    routes: list[Route]

    def reset(self) -> None:
        """Forget every run, interaction and setting of this API."""


@dataclass(frozen=True)
class Route:
    """`handle(exchange, match)` answers `method` requests whose path matches."""

    method: str
    pattern: re.Pattern[str]
    handle: Callable[[Exchange, re.Match[str]], None]


def route(method: str, pattern: str, handle: Callable[..., None]) -> Route:
    """A route; `pattern` must match the whole path (query string excluded)."""
    return Route(method, re.compile(pattern), handle)


def parallel_error(message: str, ref_id: str = "ref_standin") -> dict[str, Any]:
    """Parallel's error body."""
    return {
        "type": "error",
        "error": {"ref_id": ref_id, "message": message, "detail": None},
    }


def fastapi_error(loc: list[Any], msg: str, kind: str) -> dict[str, Any]:
    """FastAPI's validation error body (422)."""
    return {"detail": [{"loc": ["body", *loc], "msg": msg, "type": kind}]}


class _Server(ThreadingHTTPServer):
    request_queue_size = 1024  # the default 5 drops bursts of connects under load


class Exchange(BaseHTTPRequestHandler):
    """One HTTP request and the helpers an API handler answers it with."""

    standin: Any  # the StandIn serving this exchange (set per server)
    protocol_version = "HTTP/1.1"
    body: Any = None
    query: dict[str, list[str]]
    fault: Fault | None = None

    def setup(self) -> None:
        super().setup()
        # Answers go out in several writes; without this, Nagle's algorithm and
        # delayed ACKs add ~40 ms to each one on loopback.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.standin.lock:
            self.standin.connections += 1

    def handle(self) -> None:
        # The client hung up (cancelled streams do): nothing to report.
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):
            super().handle()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        self.query = parse_qs(parts.query)
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            self.body = json.loads(raw) if raw else None
        except ValueError:
            self.body = None
        if parts.path == "/_standin/stats":  # for benchmarks in another process
            self.json(200, self.standin.stats())
            return
        standin = self.standin
        with standin.lock:
            standin.requests.append(
                Seen(
                    method,
                    parts.path,
                    dict(self.headers.items()),
                    self.body,
                    self.query,
                )
            )
        found = standin.find(method, parts.path)
        if found is None:
            self.json(404, {"detail": "Not Found"})
            return
        handle, match = found
        self.fault = standin.next_fault()
        if self.fault is not None and self.fault.kind == "slow":
            time.sleep(self.fault.delay)
        if self.fault is not None and self.fault.kind == "status":
            self.error(self.fault)
            return
        if not self._authorised():
            self.json(401, parallel_error("Invalid or missing API key."))
            return
        handle(self, match)

    def _authorised(self) -> bool:
        bearer = self.headers.get("authorization", "")
        key = bearer[7:] if bearer.lower().startswith("bearer ") else None
        key = key or self.headers.get("x-api-key")
        return key in self.standin.api_keys

    # --- answers -------------------------------------------------------------

    def request_id(self) -> str:
        """The `x-request-id` of this answer (redacted in cassettes)."""
        return f"req_standin_{len(self.standin.requests)}"

    def json(
        self, status: int, body: Any, headers: dict[str, str] | None = None
    ) -> None:
        """Answer `body` as JSON."""
        self.send(status, json.dumps(body).encode(), "application/json", headers)

    def send(
        self,
        status: int,
        data: bytes,
        ctype: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer `data` whole, with a content length."""
        self.send_response(status)
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(data)))
        self.send_header("x-request-id", self.request_id())
        self.send_header("x-parallel-standin", "1")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def error(self, fault: Fault) -> None:
        """Answer the error status a fault asks for, in the shape it names."""
        headers = {"retry-after": fault.retry_after} if fault.retry_after else {}
        if fault.shape == "html":
            page = f"<html><body><h1>{fault.status} Bad Gateway</h1></body></html>"
            self.send(fault.status, page.encode(), "text/html", headers)
            return
        body: dict[str, Any]
        if fault.shape == "fastapi":
            body = fastapi_error(["messages"], fault.message, "value_error")
        elif fault.shape == "openai":
            body = {
                "error": {
                    "message": fault.message,
                    "type": "server_error",
                    "code": None,
                }
            }
        else:
            body = parallel_error(fault.message)
        self.json(fault.status, body, headers)

    def start_events(self) -> None:
        """Begin a `text/event-stream` answer (chunked, as real servers send it)."""
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.send_header("x-request-id", self.request_id())
        self.send_header("x-parallel-standin", "1")
        self.end_headers()

    def event(self, payload: Any, name: str | None = None) -> None:
        """Write one server-sent event carrying `payload` as JSON."""
        head = f"event: {name}\n".encode() if name else b""
        self.write(head + b"data: " + json.dumps(payload).encode() + b"\n\n")

    def write(self, data: bytes) -> None:
        """Write one HTTP chunk of an event stream."""
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def end_events(self) -> None:
        """End the chunked body."""
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def cut(self) -> None:
        """Drop the connection mid-answer, as a failing proxy does."""
        self.wfile.flush()
        self.connection.shutdown(socket.SHUT_RDWR)
        self.close_connection = True


@dataclass(slots=True)
class Server:
    """Serves a list of APIs on a loopback port; the base of `StandIn`."""

    api_keys: set[str] = field(default_factory=lambda: {DEFAULT_KEY})
    requests: list[Seen] = field(default_factory=list)
    connections: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    apis: list[Api] = field(default_factory=list)
    _faults: deque[Fault] = field(default_factory=deque)
    _server: _Server | None = None

    def start(self, port: int = 0) -> Server:
        """Serve on 127.0.0.1:`port` (0 = a free port) in a daemon thread."""
        handler = type("Handler", (Exchange,), {"standin": self})
        self._server = _Server(("127.0.0.1", port), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        """The base URL to give the client."""
        assert self._server is not None, "start() the stand-in first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def inject(self, *faults: Fault) -> None:
        """Queue faults for the next requests, in order."""
        self._faults.extend(faults)

    def clear(self) -> None:
        """Forget faults, requests and connection counts."""
        self._faults.clear()
        self.requests.clear()
        self.connections = 0

    def reset(self) -> None:
        """`clear()`, and return every API to its defaults."""
        self.clear()
        for api in self.apis:
            api.reset()

    def stats(self) -> dict[str, Any]:
        """Counters, for benchmarks that run the stand-in in another process."""
        return {"connections": self.connections, "requests": len(self.requests)}

    def find(
        self, method: str, path: str
    ) -> tuple[Callable[[Exchange, re.Match[str]], None], re.Match[str]] | None:
        """The handler and path match for a request, if any API serves it."""
        for api in self.apis:
            for r in api.routes:
                if r.method == method and (match := r.pattern.fullmatch(path)):
                    return r.handle, match
        return None

    def next_fault(self) -> Fault | None:
        """The fault the next request suffers, if one is queued."""
        with self.lock:
            if not self._faults:
                return None
            fault = self._faults[0]
            if not fault.sticky:
                self._faults.popleft()
            return fault
