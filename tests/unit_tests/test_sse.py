"""Property tests: streams decode to exactly what was sent, however the bytes arrive."""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from langchain_parallel._sse import SSEDecoder
from langchain_parallel._wire import StreamAssembler

EOLS = [b"\n", b"\r", b"\r\n"]
BOM = b"\xef\xbb\xbf"
# Characters that have broken stream readers: line separators for str.splitlines,
# CR/LF themselves, a BOM mid-text, characters of 2, 3 and 4 UTF-8 bytes, and lone
# surrogates (only JSON escapes can carry them).
SPECIAL = ["\u2028", "\u2029", "\u0085", "\r", "\n", "\ufeff", "é", "漢", "🙂"]
SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff"]
_char = st.one_of(
    st.characters(blacklist_categories=()),  # every code point, surrogates included
    st.sampled_from(SPECIAL + SURROGATES),
)
_SURROGATE = re.compile("[\ud800-\udfff]")


def _json(payload: Any, ascii_only: bool) -> bytes:
    """JSON as servers write it: escaped, or raw UTF-8 (surrogates always escaped)."""
    text = json.dumps(payload, ensure_ascii=ascii_only)
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text).encode()


def _cut(body: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(body) + 1) for c in cuts} | {0, len(body)})
    return [body[a:b] for a, b in itertools.pairwise(points)]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    texts=st.lists(st.text(_char, max_size=12), max_size=8),
    eols=st.lists(st.sampled_from(EOLS), min_size=10, max_size=10),
    ascii_only=st.booleans(),
    spaced=st.booleans(),
    bom=st.booleans(),
    done=st.booleans(),
    comments=st.booleans(),
    cuts=st.lists(st.integers(min_value=0), max_size=40),
)
def test_any_stream_decodes_to_exactly_the_text_sent(
    texts: list[str],
    eols: list[bytes],
    ascii_only: bool,
    spaced: bool,
    bom: bool,
    done: bool,
    comments: bool,
    cuts: list[int],
) -> None:
    finish = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    payloads: list[Any] = [
        {"choices": [{"index": 0, "delta": {"content": t}, "finish_reason": None}]}
        for t in texts
    ]
    events = [_json(p, ascii_only) for p in [*payloads, finish]]
    if done:
        events.append(b"[DONE]")
    body = BOM if bom else b""
    for n, data in enumerate(events):
        eol = eols[n % len(eols)]
        if comments:
            body += b": keep-alive \xe2\x80\xa8" + eol + b"id: " + str(n).encode() + eol
        body += (b"data: " if spaced else b"data:") + data + eol + eol

    assembler = StreamAssembler("speed")
    pieces = list(_cut(body, cuts))
    received = []
    for piece in pieces:
        chunks = list(assembler.feed(piece))
        assert len(chunks) <= 1  # what one read completes is one chunk
        received += [c.text for c in chunks]
    (last,) = assembler.finish()
    assert "".join(received) == "".join(texts)
    assert _whole_events(received, [t for t in texts if t])  # no event split
    assert last.message.response_metadata["finish_reason"] == "stop"


def _whole_events(chunks: list[str], texts: list[str]) -> bool:
    """Whether each chunk is the text of one or more whole events, in order."""
    pending = list(texts)
    for chunk in chunks:
        joined = ""
        while pending and len(joined) < len(chunk):
            joined += pending.pop(0)
        if joined != chunk:
            return False
    return not pending


_field_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"),
    max_size=10,
)


@settings(max_examples=300, deadline=None)
@given(
    sent=st.lists(
        st.tuples(
            st.sampled_from(["", "message", "error", "ping"]),
            st.lists(_field_text, min_size=1, max_size=3),
            st.sampled_from(EOLS),
        ),
        max_size=6,
    ),
    cuts=st.lists(st.integers(min_value=0), max_size=30),
)
def test_the_decoder_returns_each_event_as_sent(
    sent: list[tuple[str, list[str], bytes]], cuts: list[int]
) -> None:
    body = b""
    for event, lines, eol in sent:
        if event:
            body += b"event: " + event.encode() + eol
        for line in lines:  # multi-line data: one data field per line
            body += b"data: " + line.encode() + eol
        body += eol
    decoder = SSEDecoder()
    decoded = [e for piece in _cut(body, cuts) for e in decoder.feed(piece)]
    assert decoded == [
        (event or "message", "\n".join(lines)) for event, lines, _ in sent
    ]


_line = st.one_of(
    st.builds(lambda t: b"data: " + t.encode(), _field_text),
    st.builds(lambda t: b"data:" + t.encode(), _field_text),
    st.builds(lambda t: b"event: " + t.encode(), _field_text),
    st.builds(lambda t: b"id: " + t.encode(), _field_text),
    st.builds(lambda t: b": " + t.encode(), _field_text),  # a comment
    st.just(b"retry: 250"),
)


@settings(max_examples=300, deadline=None)
@given(
    events=st.lists(st.lists(_line, max_size=4), max_size=8),
    groups=st.lists(st.integers(min_value=1, max_value=3), max_size=8),
    eol=st.sampled_from(EOLS),
    extra_blank=st.booleans(),
)
def test_reads_that_end_with_events_decode_as_one_read(
    events: list[list[bytes]], groups: list[int], eol: bytes, extra_blank: bool
) -> None:
    # A server's reads usually end where an event does: those are read event by
    # event (the common shape) and must give what the line-by-line reading gives.
    blank = eol * (2 if extra_blank else 1)
    raw = [b"".join(line + eol for line in lines) + blank for lines in events]
    whole = SSEDecoder()
    expected = whole.feed(b": opening comment" + eol + b"".join(raw))
    decoder = SSEDecoder()
    decoded = decoder.feed(b": opening comment" + eol)
    sizes = itertools.cycle(groups or [1])
    while raw:
        size = next(sizes)
        decoded += decoder.feed(b"".join(raw[:size]))
        raw = raw[size:]
    assert decoded == expected
    assert (decoder.last_event_id, decoder.retry) == (whole.last_event_id, whole.retry)
