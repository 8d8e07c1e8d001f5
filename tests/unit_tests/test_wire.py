"""Stream parsing edge cases that a server cannot easily be made to produce."""

from __future__ import annotations

import json

import pytest

from langchain_parallel._wire import SSEParser, StreamAssembler
from langchain_parallel.errors import StreamError


def _event(payload: dict) -> list[str]:
    return [f"data: {json.dumps(payload)}", ""]


def _delta(text: str, finish: str | None = None) -> dict:
    return {
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": finish}]
    }


def test_sse_parser_follows_the_spec() -> None:
    parser = SSEParser()
    lines = [": comment", "event: error", "data: a", "data:b", "", "data: c"]
    events = [e for e in (parser.feed(line) for line in lines) if e is not None]
    assert events == [("error", "a\nb")]


def test_unterminated_last_event_is_discarded_and_the_stream_is_incomplete() -> None:
    assembler = StreamAssembler("speed")
    chunks = [assembler.feed(line) for line in _event(_delta("Hello "))]
    # the final chunk arrives without the blank line that ends an event
    assembler.feed(f"data: {json.dumps(_delta('world', 'stop'))}")
    assert [c.text for c in chunks if c is not None] == ["Hello "]
    with pytest.raises(StreamError) as info:
        assembler.close()
    assert info.value.partial_content == "Hello "


def test_finish_reason_alone_completes_a_stream_without_done() -> None:
    assembler = StreamAssembler("lite")
    for line in _event(_delta("Answer", "stop")):
        assembler.feed(line)
    final = assembler.close()
    assert final.message.response_metadata["finish_reason"] == "stop"
    assert final.message.response_metadata["model"] == "lite"


def test_non_json_event_raises() -> None:
    assembler = StreamAssembler("speed")
    assembler.feed("data: <html>")
    with pytest.raises(StreamError, match="not JSON"):
        assembler.feed("")
