"""The Chat API: `POST /chat/completions` (and `/v1beta/chat/completions`).

Per `shared/parallel-chat-api.md`:

- models `speed`, `lite`, `base`, `core` (422 listing them otherwise); `role` in
  system/user/assistant and string `content` (422 otherwise);
- research models add `basis` (citations, excerpts, reasoning, confidence) and an
  `interaction_id`, and honour `previous_interaction_id`;
- `response_format`: `json_schema` answers validate against the schema (one basis
  entry per top-level property), `json_object` answers are objects;
- SSE streaming with `basis`/`interaction_id` on the final chunk and `[DONE]`;
- `id`, `usage`, `system_fingerprint` empty as documented; `model` echoed and
  `finish_reason` "stop" as observed (`documented_empty=True` blanks them too).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from .schema_values import instance
from .server import Exchange, Fault, fastapi_error, route

MODELS = ("speed", "lite", "base", "core")
RESEARCH = frozenset({"lite", "base", "core"})
PATHS = ("/chat/completions", "/v1beta/chat/completions")


@dataclass
class ChatApi:
    """The chat endpoint, with the switches tests flip."""

    documented_empty: bool = False
    """Blank `model` and `finish_reason` too, as the compatibility table documents."""
    ignore_response_format: bool = False
    """Answer text whatever `response_format` asks, as some report `speed` does."""
    send_done: bool = True
    """End streams with `data: [DONE]` (Parallel's docs do not promise it)."""
    answer_text: str | None = None
    """A fixed answer (benchmarks); else one is generated from the question."""
    chunk_chars: int = 0
    """Characters per streamed chunk; 0 = one word per chunk."""
    open_streams: int = 0
    """Streams being written now (a client that hangs up ends one)."""
    _interactions: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        """Serve both paths the chat operation is documented under."""
        self.routes = [route("POST", re.escape(path), self._handle) for path in PATHS]

    def reset(self) -> None:
        """Back to the documented defaults; forget earlier interactions."""
        self.documented_empty = False
        self.ignore_response_format = False
        self.send_done = True
        self.answer_text = None
        self.chunk_chars = 0
        self._interactions.clear()

    # --- one request ---------------------------------------------------------

    def _handle(self, exchange: Exchange, _match: re.Match[str]) -> None:
        body = exchange.body
        invalid = validate(body)
        if invalid is not None:
            exchange.json(*invalid)
            return
        fault = exchange.fault
        if fault is not None and fault.kind == "malformed":
            exchange.send(200, b'{"id": "", "choices": [', "application/json")
            return
        text, extra = self.answer(body)
        if not body.get("stream"):
            exchange.json(200, self._completion(body["model"], text, extra))
            return
        with self._lock:
            self.open_streams += 1
        try:
            self._stream(exchange, body["model"], text, extra, fault)
        except OSError:  # the client went away mid-stream
            exchange.close_connection = True
        finally:
            with self._lock:
                self.open_streams -= 1

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
            value = instance(fmt.get("json_schema", {}).get("schema", {}), question)
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
            extra["basis"] = [basis(f, question, i) for i, f in enumerate(fields)]
        extra["interaction_id"] = interaction_id
        return text, extra

    def _completion(
        self, model: str, text: str, extra: dict[str, Any]
    ) -> dict[str, Any]:
        empty = self.documented_empty
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
        size = self.chunk_chars
        if size:
            return [text[i : i + size] for i in range(0, len(text), size)] or [""]
        return re.findall(r"\S+\s*|\s+", text) or [""]

    def _stream(
        self,
        exchange: Exchange,
        model: str,
        text: str,
        extra: dict[str, Any],
        fault: Fault | None,
    ) -> None:
        exchange.start_events()
        empty = self.documented_empty
        base = {
            "id": "",
            "object": "chat.completion.chunk",
            "type": "chat.completion.chunk",
            "created": int(time.time()),
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

        exchange.event(chunk({"role": "assistant", "content": ""}))
        for n, piece in enumerate(self._pieces(text)):
            if fault is not None and fault.kind == "stream_slow":
                time.sleep(fault.delay)
            if fault is not None and n == fault.after:
                if fault.kind == "stream_error":
                    error = {"message": fault.message, "ref_id": "ref_midstream"}
                    exchange.event({"error": error})
                    exchange.end_events()
                    return
                if fault.kind == "stream_cut":
                    exchange.cut()
                    return
                if fault.kind == "stream_truncated":
                    exchange.end_events()
                    return
                if fault.kind == "stream_stall":
                    time.sleep(fault.delay)
            exchange.event(chunk({"content": piece}))
        exchange.event(chunk({}, None if empty else "stop", usage=None, **extra))
        if self.send_done:
            exchange.write(b"data: [DONE]\n\n")
        exchange.end_events()


def validate(body: Any) -> tuple[int, dict[str, Any]] | None:
    """A 422 answer for an invalid chat request, or None."""
    if not isinstance(body, dict):
        return 422, fastapi_error([], "Input should be a valid dictionary", "dict_type")
    if body.get("model") not in MODELS:
        return 422, fastapi_error(
            ["model"],
            f"Input should be {', '.join(repr(m) for m in MODELS)}; "
            f"got {body.get('model')!r}",
            "literal_error",
        )
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return 422, fastapi_error(["messages"], "Field required", "missing")
    for i, message in enumerate(messages):
        if message.get("role") not in ("system", "user", "assistant"):
            return 422, fastapi_error(
                ["messages", i, "role"],
                "Input should be 'system', 'user' or 'assistant'",
                "literal_error",
            )
        if not isinstance(message.get("content"), str):
            return 422, fastapi_error(
                ["messages", i, "content"],
                "Input should be a valid string",
                "string_type",
            )
    return None


def basis(field_name: str, question: str, index: int) -> dict[str, Any]:
    """A FieldBasis for one answer field: two citations, reasoning, confidence."""
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
