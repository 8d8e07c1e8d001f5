"""A local stand-in for Parallel's Chat API, following its published wire format.

It is a real HTTP/1.1 server on a loopback port (stdlib only), used to record the
cassettes, by the error-path tests and by the benchmarks. What it does, per
`shared/parallel-chat-api.md`:

- `POST /chat/completions` and `/v1beta/chat/completions`;
- auth by `Authorization: Bearer <key>` or `x-api-key: <key>` (401 otherwise);
- models `speed`, `lite`, `base`, `core` (422 listing them otherwise); `role` in
  system/user/assistant and string `content` (422 otherwise);
- research models add `basis` (citations, excerpts, reasoning, confidence) and an
  `interaction_id`, and honour `previous_interaction_id`;
- `response_format`: `json_schema` answers validate against the schema (one basis
  entry per top-level property), `json_object` answers are objects;
- SSE streaming with `basis`/`interaction_id` on the final chunk and `[DONE]`;
- `id`, `usage`, `system_fingerprint` empty as documented; `model` echoed and
  `finish_reason` "stop" as observed (`documented_empty=True` blanks them too);
- faults injected with `StandIn.inject(Fault(...))`: any status with Parallel's,
  FastAPI's or OpenAI's error shape or an HTML page, `retry-after`, a malformed JSON
  body, a slow answer, and mid-stream: an error event, a cut connection, a stall or
  a clean end without the final chunk.

Run it alone with `python tests/parallel_standin.py --port 8765 --key demo-key`.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import re
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODELS = ("speed", "lite", "base", "core")
RESEARCH = frozenset({"lite", "base", "core"})
PATHS = ("/chat/completions", "/v1beta/chat/completions")


@dataclass
class Fault:
    """One injected misbehaviour, used by the next request (or every one if `sticky`).

    kind: "status" (answer `status` with an error body of `shape`: "parallel",
    "fastapi", "openai" or "html"), "malformed" (200 with a broken JSON body),
    "slow" (wait `delay` s, then answer normally), "stream_error" (an error event
    after `after` chunks), "stream_cut" (close the connection after `after` chunks),
    "stream_stall" (wait `delay` s after `after` chunks), "stream_slow" (wait
    `delay` s before every chunk), "stream_truncated" (end
    cleanly after `after` chunks with no final chunk and no `[DONE]`).
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

    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class StandIn:
    """The server; `start()` it, point `base_url` at `url`, `stop()` it."""

    api_keys: set[str] = field(default_factory=lambda: {"standin-key"})
    documented_empty: bool = False
    ignore_response_format: bool = False  # as some report `speed` does
    send_done: bool = True
    answer_text: str | None = None  # fixed answer (benchmarks), else generated
    chunk_chars: int = 0  # characters per streamed chunk; 0 = one word per chunk
    requests: list[Seen] = field(default_factory=list)
    connections: int = 0
    open_streams: int = 0  # streams being written now (a closed client ends one)
    _faults: deque[Fault] = field(default_factory=deque)
    _interactions: dict[str, str] = field(default_factory=dict)
    _server: _Server | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- control -----------------------------------------------------------

    def start(self, port: int = 0) -> StandIn:
        """Serve on 127.0.0.1:`port` (0 = a free port) in a daemon thread."""
        handler = type("Handler", (_Handler,), {"standin": self})
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
        self.open_streams = 0

    def _next_fault(self) -> Fault | None:
        with self._lock:
            if not self._faults:
                return None
            fault = self._faults[0]
            if not fault.sticky:
                self._faults.popleft()
            return fault

    # --- answers -----------------------------------------------------------

    def answer(self, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """The answer text and the extra top-level fields for a valid request."""
        model = body["model"]
        messages = body["messages"]
        question = next(
            (m["content"] for m in reversed(messages) if m["role"] == "user"), ""
        )
        digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        interaction_id = f"trun_{digest[:24]}"
        previous = body.get("previous_interaction_id")
        context = ""
        if previous:
            earlier = self._interactions.get(previous)
            context = (
                f"Continuing the research of {previous} (which asked: {earlier!r}). "
                if earlier is not None
                else f"No earlier research found for {previous}. "
            )
        fmt = body.get("response_format") or {"type": "text"}
        if self.ignore_response_format:
            fmt = {"type": "text"}
        if fmt.get("type") == "json_schema":
            schema = fmt.get("json_schema", {}).get("schema", {})
            value = _instance(schema, schema, question)
            text = json.dumps(value)
            fields = list(value) if isinstance(value, dict) else ["output"]
        elif fmt.get("type") == "json_object":
            keys = re.findall(r"'([A-Za-z_][A-Za-z0-9_]*)'", question) or ["answer"]
            text = json.dumps({k: f"Stand-in {k} about: {question[:60]}" for k in keys})
            fields = ["output"]
        elif self.answer_text is not None:
            text, fields = self.answer_text, ["output"]
        else:
            name = next(
                (m.get("name") for m in reversed(messages) if m.get("name")), None
            )
            greeting = f"Hello {name}. " if name else ""
            text = (
                f"{greeting}{context}Stand-in answer from the {model} model to: "
                f"{question[:300]}"
            )
            fields = ["output"]
        extra: dict[str, Any] = {"basis": []}
        if model in RESEARCH:
            self._interactions[interaction_id] = question
            extra["basis"] = [_basis(f, question, i) for i, f in enumerate(fields)]
        extra["interaction_id"] = interaction_id
        return text, extra

    def validate(self, body: Any) -> tuple[int, dict[str, Any]] | None:
        """A 422 body for an invalid request, or None."""
        if not isinstance(body, dict):
            return 422, _fastapi([], "Input should be a valid dictionary", "dict_type")
        if body.get("model") not in MODELS:
            return 422, _fastapi(
                ["model"],
                f"Input should be {', '.join(repr(m) for m in MODELS)}; "
                f"got {body.get('model')!r}",
                "literal_error",
            )
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return 422, _fastapi(["messages"], "Field required", "missing")
        for i, message in enumerate(messages):
            if message.get("role") not in ("system", "user", "assistant"):
                return 422, _fastapi(
                    ["messages", i, "role"],
                    "Input should be 'system', 'user' or 'assistant'",
                    "literal_error",
                )
            if not isinstance(message.get("content"), str):
                return 422, _fastapi(
                    ["messages", i, "content"],
                    "Input should be a valid string",
                    "string_type",
                )
        return None


def _fastapi(loc: list[Any], msg: str, kind: str) -> dict[str, Any]:
    return {"detail": [{"loc": ["body", *loc], "msg": msg, "type": kind}]}


def _basis(field_name: str, question: str, index: int) -> dict[str, Any]:
    topic = question[:80] or "the question"
    return {
        "field": field_name,
        "citations": [
            {
                "title": f"Stand-in source {index + 1}",
                "url": f"https://example.com/standin/{field_name}/{index + 1}",
                "excerpts": [f"An excerpt about {topic}."],
            },
            {
                "url": f"https://example.org/standin/{field_name}/{index + 1}b",
                "excerpts": [],
            },
        ],
        "reasoning": f"Stand-in reasoning for {field_name}.",
        "confidence": "high",
    }


def _instance(schema: dict[str, Any], root: dict[str, Any], hint: str) -> Any:
    """A value valid for a JSON schema (the subset LangChain and pydantic emit)."""
    if "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part]
        return _instance(target, root, hint)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return _instance(options[0], root, hint)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: _instance(sub, root, name) for name, sub in props.items()}
    if kind == "array":
        return [_instance(schema.get("items", {}), root, hint)] * max(
            1, schema.get("minItems", 1)
        )
    if kind == "integer":
        low = schema.get(
            "minimum",
            schema.get("exclusiveMinimum", 0) + 1
            if "exclusiveMinimum" in schema
            else 0,
        )
        return int(max(low, min(schema.get("maximum", 7), 7)))
    if kind == "number":
        return float(
            max(schema.get("minimum", 0), min(schema.get("maximum", 7.5), 7.5))
        )
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return f"Stand-in {hint}"


class _Server(ThreadingHTTPServer):
    request_queue_size = 1024  # the default 5 drops bursts of connects under load


class _Handler(BaseHTTPRequestHandler):
    standin: StandIn
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Answers go out in several writes; without this, Nagle's algorithm and
        # delayed ACKs add ~40 ms to each one on loopback.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.standin._lock:
            self.standin.connections += 1

    def handle(self) -> None:
        # The client hung up (cancelled streams do): nothing to report.
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):
            super().handle()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length)
        try:
            body: Any = json.loads(raw or b"null")
        except ValueError:
            body = None
        with self.standin._lock:
            self.standin.requests.append(
                Seen(self.path, dict(self.headers.items()), body)
            )
        if self.path.split("?")[0] not in PATHS:
            self._json(404, {"detail": "Not Found"})
            return
        fault = self.standin._next_fault()
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay)
        if fault is not None and fault.kind == "status":
            self._error(fault)
            return
        if not self._authorised():
            self._json(401, _parallel_error("Invalid or missing API key."))
            return
        invalid = self.standin.validate(body)
        if invalid is not None:
            self._json(*invalid)
            return
        if fault is not None and fault.kind == "malformed":
            self._send(200, b'{"id": "", "choices": [', "application/json")
            return
        text, extra = self.standin.answer(body)
        if body.get("stream"):
            with self.standin._lock:
                self.standin.open_streams += 1
            try:
                self._stream(body["model"], text, extra, fault)
            except OSError:  # the client went away mid-stream
                self.close_connection = True
            finally:
                with self.standin._lock:
                    self.standin.open_streams -= 1
        else:
            self._json(200, self._completion(body["model"], text, extra))

    def do_GET(self) -> None:
        if self.path == "/_standin/stats":  # for benchmarks in another process
            stats = {
                "connections": self.standin.connections,
                "requests": len(self.standin.requests),
            }
            self._json(200, stats)
            return
        self._json(404, {"detail": "Not Found"})

    # --- pieces ------------------------------------------------------------

    def _authorised(self) -> bool:
        bearer = self.headers.get("authorization", "")
        key = bearer[7:] if bearer.lower().startswith("bearer ") else None
        key = key or self.headers.get("x-api-key")
        return key in self.standin.api_keys

    def _completion(
        self, model: str, text: str, extra: dict[str, Any]
    ) -> dict[str, Any]:
        empty = self.standin.documented_empty
        return {
            "id": "",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": "" if empty else model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": None if empty else "stop",
                }
            ],
            "usage": None,
            "system_fingerprint": None,
            **extra,
        }

    def _pieces(self, text: str) -> list[str]:
        size = self.standin.chunk_chars
        if size:
            return [text[i : i + size] for i in range(0, len(text), size)] or [""]
        return re.findall(r"\S+\s*|\s+", text) or [""]

    def _stream(
        self, model: str, text: str, extra: dict[str, Any], fault: Fault | None
    ) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.send_header("x-request-id", self._request_id())
        self.send_header("x-parallel-standin", "1")
        self.end_headers()
        empty = self.standin.documented_empty
        created = int(time.time())
        base = {
            "id": "",
            "object": "chat.completion.chunk",
            "type": "chat.completion.chunk",
            "created": created,
            "model": "" if empty else model,
        }

        def chunk(
            delta: dict[str, Any], finish: str | None = None, **more: Any
        ) -> dict[str, Any]:
            return {
                **base,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                **more,
            }

        self._event(chunk({"role": "assistant", "content": ""}))
        for n, piece in enumerate(self._pieces(text)):
            if fault is not None and fault.kind == "stream_slow":
                time.sleep(fault.delay)
            if fault is not None and n == fault.after:
                if fault.kind == "stream_error":
                    self._event(
                        {"error": {"message": fault.message, "ref_id": "ref_midstream"}}
                    )
                    self._end()
                    return
                if fault.kind == "stream_cut":
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                if fault.kind == "stream_truncated":
                    self._end()
                    return
                if fault.kind == "stream_stall":
                    time.sleep(fault.delay)
            self._event(chunk({"content": piece}))
        self._event(chunk({}, None if empty else "stop", usage=None, **extra))
        if self.standin.send_done:
            self._write(b"data: [DONE]\n\n")
        self._end()

    def _event(self, payload: dict[str, Any]) -> None:
        self._write(b"data: " + json.dumps(payload).encode() + b"\n\n")

    def _write(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def _end(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _request_id(self) -> str:
        return f"req_standin_{len(self.standin.requests)}"

    def _error(self, fault: Fault) -> None:
        headers = {"retry-after": fault.retry_after} if fault.retry_after else {}
        if fault.shape == "html":
            page = f"<html><body><h1>{fault.status} Bad Gateway</h1></body></html>"
            self._send(fault.status, page.encode(), "text/html", headers)
            return
        body: dict[str, Any]
        if fault.shape == "fastapi":
            body = _fastapi(["messages"], fault.message, "value_error")
        elif fault.shape == "openai":
            body = {
                "error": {
                    "message": fault.message,
                    "type": "server_error",
                    "code": None,
                }
            }
        else:
            body = _parallel_error(fault.message)
        self._json(fault.status, body, headers)

    def _json(
        self, status: int, body: Any, headers: dict[str, str] | None = None
    ) -> None:
        self._send(status, json.dumps(body).encode(), "application/json", headers)

    def _send(
        self,
        status: int,
        data: bytes,
        ctype: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(data)))
        self.send_header("x-request-id", self._request_id())
        self.send_header("x-parallel-standin", "1")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def _parallel_error(message: str) -> dict[str, Any]:
    return {
        "type": "error",
        "error": {"ref_id": "ref_standin", "message": message, "detail": None},
    }


def main() -> None:
    """Serve until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--key", action="append", default=None, help="accepted API key")
    parser.add_argument(
        "--answer-chars", type=int, default=0, help="answer with this many characters"
    )
    parser.add_argument(
        "--chunk-chars", type=int, default=0, help="characters per streamed chunk"
    )
    args = parser.parse_args()
    standin = StandIn(
        api_keys=set(args.key or ["standin-key"]),
        answer_text=("word " * (args.answer_chars // 5 + 1))[: args.answer_chars]
        if args.answer_chars
        else None,
        chunk_chars=args.chunk_chars,
    ).start(args.port)
    print(
        f"Parallel stand-in on {standin.url} "
        f"(keys: {', '.join(sorted(standin.api_keys))})",
        flush=True,
    )
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        standin.stop()


if __name__ == "__main__":
    main()
