"""Stream parsing edge cases that a server cannot easily be made to produce."""

from __future__ import annotations

import json

import pytest

from langchain_parallel._sse import SSEDecoder
from langchain_parallel._wire import StreamAssembler, _loads
from langchain_parallel.errors import StreamError


def _event(payload: dict) -> bytes:
    return f"data: {json.dumps(payload)}\n\n".encode()


def _delta(text: str, finish: str | None = None) -> dict:
    return {
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": finish}]
    }


def test_sse_decoder_follows_the_spec() -> None:
    decoder = SSEDecoder()
    body = b": comment\nevent: error\ndata: a\ndata:b\nid: 7\nretry: 250\n\ndata: c"
    assert decoder.feed(body) == [("error", "a\nb")]
    assert decoder.last_event_id == "7"
    assert decoder.retry == 250
    # "data: c" waits for its blank line; a blank line with no data dispatches
    # nothing and forgets the event type; a bare "data" line is an empty data field
    assert decoder.feed(b"\n\nevent: x\n\ndata\n\n") == [
        ("message", "c"),
        ("message", ""),
    ]


def test_unterminated_last_event_is_discarded_and_the_stream_is_incomplete() -> None:
    assembler = StreamAssembler("speed")
    chunks = list(assembler.feed(_event(_delta("Hello "))))
    # the final chunk arrives without the blank line that ends an event
    last = f"data: {json.dumps(_delta('world', 'stop'))}\n"
    assert list(assembler.feed(last.encode())) == []
    assert [c.text for c in chunks] == ["Hello "]
    with pytest.raises(StreamError) as info:
        assembler.finish()
    assert info.value.partial_content == "Hello "


def test_finish_reason_alone_completes_a_stream_without_done() -> None:
    assembler = StreamAssembler("lite")
    list(assembler.feed(_event(_delta("Answer", "stop"))))
    (final,) = assembler.finish()
    assert final.message.response_metadata["finish_reason"] == "stop"
    assert final.message.response_metadata["model"] == "lite"


def test_non_json_event_raises_with_the_text_so_far() -> None:
    assembler = StreamAssembler("speed")
    list(assembler.feed(_event(_delta("Hi"))))
    with pytest.raises(StreamError, match="not JSON") as info:
        list(assembler.feed(b"data: <html>\n\n"))
    assert info.value.partial_content == "Hi"


def test_text_read_with_an_error_event_comes_before_the_error() -> None:
    assembler = StreamAssembler("speed")
    error = b'data: {"error": {"message": "Task failed"}}\n\n'
    chunks = assembler.feed(_event(_delta("Hi ")) + _event(_delta("there")) + error)
    assert next(chunks).text == "Hi there"
    with pytest.raises(StreamError, match="Task failed") as info:
        next(chunks)
    assert info.value.partial_content == "Hi there"


@pytest.mark.parametrize(
    "data",
    [
        '{"a": 1}',
        ' {"a": 1}',
        '{"a": 1} \t\r\n',
        '{"a": 1}\u2028',  # not JSON whitespace: extra data
        '{"a": 1}{"b": 2}',
        '{"a": 1} x',
        "[DONE]",
        "",
        "  ",
        "\ufeff{}",
        '"text"',
        "3",
        "NaN",
        '{"a": "\\ud800"}',
    ],
)
def test_events_decode_as_json_loads_decodes_them(data: str) -> None:
    # The faster decoding accepts, returns and refuses exactly what json.loads does.
    try:
        expected: object = json.loads(data)
    except ValueError as exc:
        with pytest.raises(type(exc)):
            _loads(data)
    else:
        assert json.dumps(_loads(data)) == json.dumps(expected)  # NaN included
