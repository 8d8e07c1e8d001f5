"""Parallel's Chat Completions wire format: responses and streams to LangChain messages.

Parallel documents `id`, `model`, `finish_reason` and `usage` as "always empty" but
has been seen filling `model` and `finish_reason`; both readings are handled. The
keys that identify a response go into `response_metadata` once per answer: on the
`AIMessage` for invoke, and on one closing chunk for streams, so that merging chunks
(which concatenates strings) never garbles them.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Iterator, Mapping
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from langchain_parallel._sse import Event, SSEDecoder
from langchain_parallel.errors import APIResponseValidationError, StreamError

PROVIDER = "parallel"
_VALUE = operator.itemgetter(1)  # of a (key, value) pair
_DECODE = json.JSONDecoder().raw_decode


def _loads(data: str) -> Any:
    """`json.loads(data)`, a microsecond sooner for an event that opens its JSON.

    `raw_decode` skips the wrappers `json.loads` runs per call; anything else
    (leading whitespace, trailing data, not JSON) is left to `json.loads`, so
    what is accepted and what is raised stay exactly its own.
    """
    try:
        payload, end = _DECODE(data)
    except ValueError:
        return json.loads(data)
    if end != len(data) and data[end:].strip(" \t\n\r"):
        return json.loads(data)  # raises: extra data
    return payload


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


def message_from_completion(
    data: Mapping[str, Any], requested_model: str, base_url: str = ""
) -> AIMessage:
    """Turn a decoded non-streaming response body into an `AIMessage`."""
    choices = data.get("choices")
    if (
        not isinstance(choices, list)
        or not choices
        or not isinstance(choices[0], Mapping)
    ):
        raise _not_a_completion(
            "JSON without a choice", json.dumps(data)[:200], base_url, data
        )
    choice = choices[0]
    message = choice.get("message")
    content = message.get("content") if isinstance(message, Mapping) else None
    if content is not None and not isinstance(content, str):
        raise _not_a_completion(
            "a choice whose content is not text", repr(content)[:200], base_url, data
        )
    return AIMessage(
        content=content or "",
        response_metadata=response_metadata(data, choice, requested_model),
        usage_metadata=_usage(data.get("usage")),
    )


def message_from_body(
    content: bytes, requested_model: str, base_url: str = ""
) -> AIMessage:
    """Decode a whole 200 answer (always UTF-8 JSON) into an `AIMessage`.

    Raises:
        APIResponseValidationError: the body is empty, HTML, not JSON, or JSON that
            is not a chat completion; the message names `base_url`.

    """
    try:
        data = json.loads(content)
    except ValueError as exc:  # UnicodeDecodeError included
        text = content.lstrip(b"\xef\xbb\xbf \t\r\n")
        what = (
            "an empty body"
            if not text
            else "an HTML page"
            if text[:1] == b"<"
            else "a body that is not JSON"
        )
        raise _not_a_completion(what, repr(content[:200]), base_url) from exc
    if not isinstance(data, dict):
        raise _not_a_completion(
            "JSON that is not an object", repr(content[:200]), base_url
        )
    return message_from_completion(data, requested_model, base_url)


def completion_result(
    content: bytes, requested_model: str, base_url: str = ""
) -> ChatResult:
    """Decode a non-streaming response body into a `ChatResult`."""
    message = message_from_body(content, requested_model, base_url)
    return ChatResult(generations=[ChatGeneration(message=message)])


def _not_a_completion(
    what: str, shown: str, base_url: str, body: object = None
) -> APIResponseValidationError:
    server = _error_message(body)
    if server:
        what = f"an error instead of a completion: {server}"
    where = f"The server at {base_url}" if base_url else "The server"
    return APIResponseValidationError(
        f"{where} answered 200 with {what}, not a Parallel chat completion "
        f"(the body starts {shown}). Check base_url / PARALLEL_BASE_URL (default "
        "https://api.parallel.ai) and any proxy in between.",
        server_message=server,
        body=body,
    )


def _error_message(body: object) -> str | None:
    error = body.get("error") if isinstance(body, Mapping) else None
    if isinstance(error, Mapping):
        message = error.get("message") or error.get("detail")
        return str(message) if message else json.dumps(error)
    return str(error) if error else None


def _chunk(text: str) -> ChatGenerationChunk:
    return ChatGenerationChunk(
        message=AIMessageChunk(
            content=text, response_metadata={"model_provider": PROVIDER}
        )
    )


# A body whose first line is an event-stream field or comment: a stream, even if it
# ended before its first event.
_SSE_START = re.compile(
    rb"(?:\xef\xbb\xbf)?[\r\n]*(?::|(?:data|event|id|retry)[:\r\n])"
)


class StreamAssembler:
    """Turns a streamed answer's bytes into chunks; never passes a cut one as whole.

    When an answer is complete: a stream is whole once it has sent `data: [DONE]`
    or a choice with a `finish_reason`, the two ends OpenAI-compatible servers write
    (Parallel documents neither, and every Parallel stream seen ends with one of
    them). Nothing else counts: `basis` and `interaction_id` may ride on any chunk,
    `null` placeholders included, so their presence says nothing about the end. The
    one other whole answer is a body with no event at all, read as invoke reads its
    answer: a JSON completion from a server that ignores `stream` is the answer, and
    an empty, HTML or undecodable body raises invoke's `APIResponseValidationError`.
    Anything else that ends raises `StreamError` with the text received so far.
    """

    def __init__(self, requested_model: str, base_url: str = "") -> None:
        """Track one stream for `requested_model`, served from `base_url`."""
        self.requested_model = requested_model
        self.base_url = base_url
        self._decoder = SSEDecoder()
        self._body: list[bytes] | None = []  # kept until the first event arrives
        self._last: dict[str, Any] = {}
        self._choice: dict[str, Any] = {}
        self._finished = False
        self._partial: list[str] = []

    def feed(self, data: bytes) -> Iterator[ChatGenerationChunk]:
        """Take the next bytes of the body; give one chunk with the text they end.

        All the events `data` completes make one chunk, not one each: they have
        arrived together, so splitting them would only delay the caller, and
        every chunk costs LangChain a message object it keeps to the end of the
        stream. An error event raises once the text before it, this read's too,
        has been given; all of it is on the error's `partial_content`.
        """
        events = self._decoder.feed(data)
        if self._body is not None:
            self._body.append(data)
            if events:
                self._body = None
        texts: list[str] = []
        try:
            for event in events:
                if text := self._handle(event):
                    texts.append(text)
        except StreamError:
            if texts:
                yield _chunk("".join(texts))
            raise
        if texts:
            yield _chunk("".join(texts))

    def finish(self) -> list[ChatGenerationChunk]:
        """The last chunks once the body has ended; raise if the answer is cut.

        An event left without its blank line at the end of the body is discarded,
        as the `text/event-stream` spec says: it may have been cut mid-way.
        """
        if self._body is not None:  # not a single event
            body = b"".join(self._body)
            if not _SSE_START.match(body):
                message = message_from_body(body, self.requested_model, self.base_url)
                text = message.text
                self._partial.append(text)
                closing = _closing(message.response_metadata, message.usage_metadata)
                return [_chunk(text), closing] if text else [closing]
        if not self._finished:
            partial = self.partial_content
            raise StreamError(
                "The stream ended before the answer was complete (no final chunk "
                f"arrived after {len(partial)} characters). The partial text is on "
                "this error's `partial_content`; retry the request.",
                partial_content=partial,
            )
        meta = response_metadata(self._last, self._choice, self.requested_model)
        return [_closing(meta, _usage(self._last.get("usage")))]

    def _handle(self, event: Event) -> str | None:
        """The text one event adds, after checking it; raise for an error event."""
        kind, data = event
        try:
            payload = _loads(data)
        except ValueError as exc:
            stripped = data.strip()
            if stripped == "[DONE]":
                self._finished = True
                return None
            if kind == "error":
                raise _stream_error({"error": stripped}, self.partial_content) from exc
            if not stripped:  # an empty event: nothing to read, as a keep-alive
                return None
            raise self._unreadable("an event that is not JSON", data) from exc
        if type(payload) is not dict:
            raise self._unreadable("an event that is not a JSON object", data)
        if payload.get("error") or kind == "error":  # "error": null is none
            raise _stream_error(payload, self.partial_content)
        # Each top-level key's latest non-empty value, kept at C speed: a stream
        # has an event per few characters.
        self._last.update(filter(_VALUE, payload.items()))
        choices = payload.get("choices")
        if not choices:
            return None
        try:
            choice = choices[0]
            finish = choice.get("finish_reason")
            delta = choice.get("delta")
            text = delta.get("content") if delta else None
        except (AttributeError, IndexError, KeyError, TypeError) as exc:
            raise self._unreadable("a chunk that is not a chat chunk", data) from exc
        if finish:
            self._finished = True
            self._choice = {"finish_reason": finish}
        if not text:
            return None
        if type(text) is not str:
            raise self._unreadable("a chunk whose content is not text", data)
        self._partial.append(text)
        return text

    def _unreadable(self, what: str, data: str) -> StreamError:
        return StreamError(
            f"The stream sent {what}: {data[:200]!r}",
            partial_content=self.partial_content,
        )

    @property
    def partial_content(self) -> str:
        """The text received so far."""
        return "".join(self._partial)


def _closing(
    metadata: dict[str, Any], usage: UsageMetadata | None
) -> ChatGenerationChunk:
    message = AIMessageChunk(
        content="",
        response_metadata=metadata,
        usage_metadata=usage,
        chunk_position="last",
    )
    return ChatGenerationChunk(message=message)


def _stream_error(payload: Mapping[str, Any], partial: str) -> StreamError:
    error = payload.get("error") or payload
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
