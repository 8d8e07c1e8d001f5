"""Parallel's Chat Completions wire format: responses and streams to LangChain messages.

Parallel documents `id`, `model`, `finish_reason` and `usage` as "always empty" but
has been seen filling `model` and `finish_reason`; both readings are handled. The
keys that identify a response go into `response_metadata` once per answer: on the
`AIMessage` for invoke, and on one closing chunk for streams, so that merging chunks
(which concatenates strings) never garbles them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from langchain_parallel.errors import APIError, StreamError

PROVIDER = "parallel"


def _usage(raw: object) -> UsageMetadata | None:
    """Token usage if the API ever reports it; Parallel currently sends `null`."""
    if not isinstance(raw, Mapping):
        return None
    try:
        prompt = int(raw.get("prompt_tokens") or 0)
        completion = int(raw.get("completion_tokens") or 0)
        total = int(raw.get("total_tokens") or prompt + completion)
    except (TypeError, ValueError):
        return None
    if not (prompt or completion or total):
        return None
    return UsageMetadata(
        input_tokens=prompt, output_tokens=completion, total_tokens=total
    )


def response_metadata(
    data: Mapping[str, Any], choice: Mapping[str, Any], requested_model: str
) -> dict[str, Any]:
    """The per-answer metadata of a completion (or of a finished stream)."""
    model = data.get("model") or requested_model
    meta: dict[str, Any] = {
        "model_name": model,
        "model": model,
        # An empty finish reason on a completed answer is a normal stop.
        "finish_reason": choice.get("finish_reason") or "stop",
        "created": data.get("created"),
        "model_provider": PROVIDER,
    }
    if data.get("id"):
        meta["id"] = data["id"]
    if data.get("system_fingerprint"):
        meta["system_fingerprint"] = data["system_fingerprint"]
    basis = data.get("basis")
    if basis:
        meta["basis"] = basis
    if data.get("interaction_id"):
        meta["interaction_id"] = data["interaction_id"]
    return meta


def message_from_completion(data: Mapping[str, Any], requested_model: str) -> AIMessage:
    """Turn a decoded non-streaming response body into an `AIMessage`."""
    choices = data.get("choices")
    if (
        not isinstance(choices, list)
        or not choices
        or not isinstance(choices[0], Mapping)
    ):
        raise StreamError(
            "The API answered without a choice; the response is not a chat completion.",
            body=dict(data),
        )
    choice = choices[0]
    message = choice.get("message") or {}
    return AIMessage(
        content=message.get("content") or "",
        response_metadata=response_metadata(data, choice, requested_model),
        usage_metadata=_usage(data.get("usage")),
    )


def completion_result(content: bytes, requested_model: str) -> ChatResult:
    """Decode a non-streaming response body into a `ChatResult`."""
    try:
        data = json.loads(content)
    except ValueError as exc:
        raise APIError(
            "The API answered 200 with a body that is not JSON "
            f"({content[:120]!r}); check base_url / PARALLEL_BASE_URL."
        ) from exc
    if not isinstance(data, dict):
        raise APIError(f"The API answered with unexpected JSON: {content[:120]!r}")
    message = message_from_completion(data, requested_model)
    return ChatResult(generations=[ChatGeneration(message=message)])


class SSEParser:
    """Server-sent events, line by line, as the `text/event-stream` spec reads them."""

    def __init__(self) -> None:
        """Start with no event pending."""
        self._data: list[str] = []
        self._event = ""

    def feed(self, line: str) -> tuple[str, str] | None:
        """Take one line; return `(event, data)` when a blank line ends an event."""
        if not line:
            return self.flush()
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        return None

    def flush(self) -> tuple[str, str] | None:
        """End the pending event, if any."""
        if not self._data:
            self._event = ""
            return None
        event = (self._event, "\n".join(self._data))
        self._data, self._event = [], ""
        return event


class StreamAssembler:
    """Turns stream events into chunks and refuses to pass a cut stream as complete."""

    def __init__(self, requested_model: str) -> None:
        """Track one stream for `requested_model`."""
        self.requested_model = requested_model
        self._parser = SSEParser()
        self._last: dict[str, Any] = {}
        self._choice: dict[str, Any] = {}
        self._finished = False
        self._partial: list[str] = []

    def feed(self, line: str) -> ChatGenerationChunk | None:
        """Take one line of the body; return a content chunk when one completes."""
        event = self._parser.feed(line)
        return None if event is None else self._handle(*event)

    def close(self) -> ChatGenerationChunk:
        """The closing chunk with the answer's metadata; raise if the stream was cut.

        An event left without its blank line at the end of the body is discarded,
        as the `text/event-stream` spec says: it may have been cut mid-way.
        """
        if not self._finished:
            partial = self.partial_content
            raise StreamError(
                "The stream ended before the answer was complete (no final chunk "
                f"arrived after {len(partial)} characters). The partial text is on "
                "this error's `partial_content`; retry the request.",
                partial_content=partial,
            )
        meta = response_metadata(self._last, self._choice, self.requested_model)
        message = AIMessageChunk(
            content="",
            response_metadata=meta,
            usage_metadata=_usage(self._last.get("usage")),
            chunk_position="last",
        )
        return ChatGenerationChunk(message=message)

    def _handle(self, event: str, data: str) -> ChatGenerationChunk | None:
        if data.startswith("[DONE]"):
            self._finished = True
            return None
        try:
            payload = json.loads(data)
        except ValueError as exc:
            raise StreamError(
                f"The stream sent an event that is not JSON: {data[:200]!r}"
            ) from exc
        if not isinstance(payload, dict):
            raise StreamError(f"The stream sent an unexpected event: {data[:200]!r}")
        if event == "error" or "error" in payload:
            raise _stream_error(payload, "".join(self._partial))
        for key, value in payload.items():
            if key != "choices" and value not in (None, "", []):
                self._last[key] = value
        if "basis" in payload or payload.get("interaction_id"):
            self._finished = True
        choices = payload.get("choices") or []
        if not choices:
            return None
        choice = choices[0]
        if choice.get("finish_reason"):
            self._finished = True
            self._choice = {"finish_reason": choice["finish_reason"]}
        text = (choice.get("delta") or {}).get("content") or ""
        if not text:
            return None
        self._partial.append(text)
        chunk = AIMessageChunk(
            content=text, response_metadata={"model_provider": PROVIDER}
        )
        return ChatGenerationChunk(message=chunk)

    @property
    def partial_content(self) -> str:
        """The text received so far."""
        return "".join(self._partial)


def _stream_error(payload: Mapping[str, Any], partial: str) -> StreamError:
    error = payload.get("error", payload)
    if isinstance(error, Mapping):
        message = error.get("message") or error.get("detail") or json.dumps(error)
        ref = error.get("ref_id") or error.get("request_id")
    else:
        message, ref = str(error), None
    text = f"The stream reported an error: {message}"
    if ref:
        text += f". Request id: {ref}"
    return StreamError(
        text,
        server_message=str(message),
        request_id=ref if isinstance(ref, str) else None,
        body=dict(payload),
        partial_content=partial,
    )
