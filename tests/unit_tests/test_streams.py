"""Answers from servers that behave as real ones do, byte for byte (`raw_server`).

Each class of behaviour runs in four modes: `stream`, `astream`, `invoke` and
`ainvoke`. Where the server writes an event stream, invoke runs with
`streaming=True` so that it reads that stream; where it writes a whole answer,
invoke posts a plain request.
"""

from __future__ import annotations

import asyncio
import email.utils
import io
import json
import ssl
import threading
import time
import warnings
import zlib
from typing import Any

import httpx2
import pytest
from helpers import merge_chunks
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import BaseMessage
from parallel_standin import StandIn
from raw_server import (
    CHUNKED_END,
    RESET,
    Gate,
    RawServer,
    Step,
    chunk,
    response,
    stream_head,
)

from langchain_parallel import ChatParallelWeb
from langchain_parallel import errors as E
from langchain_parallel._body import INLINE, READER
from langchain_parallel._client import reset_clients
from langchain_parallel.cli import main

Q = [("human", "Hello")]
MODES = ["stream", "astream", "invoke", "ainvoke"]
SEPARATORS = "one\u2028two\u2029three\u0085four"  # str.splitlines() splits at each


def make(raw: RawServer, **kwargs: Any) -> ChatParallelWeb:
    settings = {"api_key": "k", "base_url": raw.url, "max_retries": 0, "timeout": 30}
    return ChatParallelWeb(**{**settings, **kwargs})


async def ask(
    llm: ChatParallelWeb, mode: str, *, streaming: bool = True, **config: Any
) -> BaseMessage:
    """The answer one way of calling gives: merged chunks, or the message."""
    if mode in ("invoke", "ainvoke"):
        llm = llm.model_copy(update={"streaming": streaming})
    if mode == "stream":
        return merge_chunks(llm.stream(Q, config))
    if mode == "astream":
        return merge_chunks([c async for c in llm.astream(Q, config)])
    if mode == "invoke":
        return llm.invoke(Q, config)
    return await llm.ainvoke(Q, config)


def delta(text: str = "", finish: str | None = None, **top: Any) -> dict[str, Any]:
    choice = {"index": 0, "delta": {"content": text}, "finish_reason": finish}
    return {"object": "chat.completion.chunk", "choices": [choice], **top}


def sse(*events: dict[str, Any] | str, eol: bytes = b"\n") -> bytes:
    """Events as a server that does not escape non-ASCII (legal JSON) writes them."""
    out = b""
    for event in events:
        data = (
            event if isinstance(event, str) else json.dumps(event, ensure_ascii=False)
        )
        out += b"data: " + data.encode() + eol + eol
    return out


def completion(text: str, **top: Any) -> bytes:
    choice = {"index": 0, "message": {"role": "assistant", "content": text}}
    body = {"object": "chat.completion", "model": "speed", "choices": [choice], **top}
    return json.dumps(body, ensure_ascii=False).encode()


def answer_stream(*texts: str, eol: bytes = b"\n", **last: Any) -> list[Step]:
    """A well-formed streamed answer, one event per text, then stop and [DONE]."""
    events = [delta(t) for t in texts] + [delta("", "stop", **last), "[DONE]"]
    return [stream_head(), sse(*events, eol=eol)]


# --- 1. line separators inside JSON ---------------------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_line_separators_inside_json_do_not_split_a_stream(
    raw: RawServer, mode: str
) -> None:
    basis = [
        {
            "field": "output",
            "citations": [{"url": "https://x", "excerpts": [SEPARATORS]}],
        }
    ]
    raw.play(answer_stream("A: ", SEPARATORS, basis=basis))
    message = await ask(make(raw, model="lite"), mode)
    assert message.text == "A: " + SEPARATORS
    assert message.response_metadata["basis"] == basis


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
async def test_line_separators_inside_a_completion(raw: RawServer, mode: str) -> None:
    raw.play(response(completion(SEPARATORS)))
    assert (await ask(make(raw), mode, streaming=False)).text == SEPARATORS


# --- 2. a charset label does not change UTF-8 ------------------------------------

TEXT = "Zürich, 漢字, emoji 🙂, ñ"


@pytest.mark.parametrize("mode", MODES)
async def test_an_event_stream_is_utf8_whatever_its_charset(
    raw: RawServer, mode: str
) -> None:
    head = stream_head("text/event-stream; charset=ISO-8859-1")
    raw.play([head, sse(delta(TEXT), delta("", "stop"))])
    assert (await ask(make(raw), mode)).text == TEXT


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
async def test_a_completion_is_utf8_whatever_its_charset(
    raw: RawServer, mode: str
) -> None:
    raw.play(
        response(completion(TEXT), content_type="application/json; charset=latin-1")
    )
    assert (await ask(make(raw), mode, streaming=False)).text == TEXT


# --- 3. "error": null is no error ------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_error_null_on_chunks_is_not_an_error(raw: RawServer, mode: str) -> None:
    raw.play(
        [stream_head(), sse(delta("Fine", error=None), delta("", "stop", error=None))]
    )
    assert (await ask(make(raw), mode)).text == "Fine"


@pytest.mark.parametrize("mode", MODES)
async def test_an_error_event_still_raises(raw: RawServer, mode: str) -> None:
    error = {"error": {"message": "Task failed", "ref_id": "ref_1"}}
    raw.play([stream_head(), sse(delta("Par"), error)])
    with pytest.raises(E.StreamError, match="Task failed") as info:
        await ask(make(raw), mode)
    assert info.value.partial_content == "Par"
    assert info.value.request_id == "ref_1"


# --- 4. line ends: CR, LF, CRLF; a lone CR holds nothing back -----------------------


class OpenOnText(BaseCallbackHandler):
    run_inline = True

    def __init__(self, gate: Gate) -> None:
        self.gate = gate

    def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        if token:
            self.gate.open()


@pytest.mark.parametrize("eol", [b"\r", b"\n", b"\r\n"], ids=["CR", "LF", "CRLF"])
@pytest.mark.parametrize("mode", MODES)
async def test_each_event_arrives_before_the_server_writes_again(
    raw: RawServer, mode: str, eol: bytes
) -> None:
    # The server writes the first event, then waits until the client has passed its
    # text on; a client waiting for the byte after a CR would wait in vain.
    gate = Gate(timeout=3.0)
    first = sse(delta("First. "), eol=eol)
    rest = sse(delta("Second."), delta("", "stop"), "[DONE]", eol=eol)
    raw.play([stream_head(), first, gate, rest])
    message = await ask(make(raw), mode, callbacks=[OpenOnText(gate)])
    assert message.text == "First. Second."
    assert not gate.timed_out


@pytest.mark.parametrize("chunked", [False, True], ids=["close", "chunked"])
@pytest.mark.parametrize("mode", MODES)
async def test_a_stream_written_byte_by_byte(
    raw: RawServer, mode: str, chunked: bool
) -> None:
    # Every read boundary falls inside something: a UTF-8 character, a CRLF, the BOM.
    body = b"\xef\xbb\xbf" + sse(delta(TEXT), delta(SEPARATORS, "stop"), eol=b"\r\n")
    pieces = [body[i : i + 1] for i in range(len(body))]
    steps: list[Step] = [stream_head(chunked=chunked)]
    for piece in pieces:
        steps += [chunk(piece) if chunked else piece, 0.0005]
    if chunked:
        steps.append(CHUNKED_END)
    raw.play(steps)
    assert (await ask(make(raw), mode)).text == TEXT + SEPARATORS


# --- BOM, empty events, [DONE] with spaces ------------------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_a_leading_bom_keeps_the_first_event(raw: RawServer, mode: str) -> None:
    raw.play(
        [stream_head(), b"\xef\xbb\xbf" + sse(delta("Kept"), delta(" too", "stop"))]
    )
    assert (await ask(make(raw), mode)).text == "Kept too"


@pytest.mark.parametrize("mode", MODES)
async def test_empty_events_and_a_spaced_done_are_read(
    raw: RawServer, mode: str
) -> None:
    body = (
        b"data:\n\n: keep-alive\n\n" + sse(delta("Yes", "stop")) + b"data:  [DONE] \n\n"
    )
    raw.play([stream_head(), body])
    message = await ask(make(raw), mode)
    assert message.text == "Yes"
    assert message.response_metadata["finish_reason"] == "stop"


# --- 5. retry_after, in every form the SDK honours -----------------------------------


def _in_30_seconds() -> str:
    return email.utils.formatdate(time.time() + 30, usegmt=True)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after": "2"}, 2.0),
        ({"retry-after": "0.25"}, 0.25),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after-ms": "soon", "retry-after": "3"}, 3.0),
        ({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),  # past: now
        ({"retry-after": "whenever"}, None),
        ({"retry-after": "-1"}, None),
        ({}, None),
    ],
)
@pytest.mark.parametrize("mode", MODES)
async def test_retry_after(
    raw: RawServer, mode: str, headers: dict[str, str], expected: float | None
) -> None:
    raw.play(
        response(b'{"error": {"message": "Slow down"}}', status=429, headers=headers)
    )
    with pytest.raises(E.RateLimitError) as info:
        await ask(make(raw), mode, streaming=False)
    assert info.value.retry_after == expected


@pytest.mark.parametrize("mode", MODES)
async def test_retry_after_as_an_http_date(raw: RawServer, mode: str) -> None:
    raw.play(response(b"{}", status=429, headers={"retry-after": _in_30_seconds()}))
    with pytest.raises(E.RateLimitError) as info:
        await ask(make(raw), mode, streaming=False)
    assert info.value.retry_after is not None
    assert 25 <= info.value.retry_after <= 30
    assert f"Retry after {info.value.retry_after:g} s" in str(info.value)


# --- 6. a malformed basis degrades, never crashes -------------------------------------

GOOD = {"url": "https://good.example", "title": "Good", "excerpts": ["fine"]}
# id: (basis, the citation URLs that can still be read from it)
MALFORMED_BASES: dict[str, tuple[Any, list[str]]] = {
    "citations int": ([{"field": "output", "citations": 5}], []),
    "citations dict": ([{"field": "output", "citations": {"url": "https://x"}}], []),
    "excerpts int": (
        [{"citations": [{"url": "https://x", "excerpts": 3}, GOOD]}],
        ["https://x", GOOD["url"]],
    ),
    "basis str": ("see https://x", []),
    "basis dict": ({"field": "output", "citations": [GOOD]}, []),
    "non-objects": (
        [1, "two", None, [GOOD], {"citations": [GOOD, 7, {"title": "no url"}]}],
        [GOOD["url"]],
    ),
}
BASES = pytest.mark.parametrize(
    ("basis", "readable"), MALFORMED_BASES.values(), ids=MALFORMED_BASES.keys()
)


def answer_with(raw: RawServer, mode: str, basis: Any) -> None:
    if mode.endswith("stream"):
        raw.play(answer_stream("Answer", basis=basis))
    else:
        raw.play(response(completion("Answer", basis=basis)))


@BASES
@pytest.mark.parametrize("mode", MODES)
async def test_a_malformed_basis_is_kept_raw_and_skipped_in_citations(
    raw: RawServer, mode: str, basis: Any, readable: list[str]
) -> None:
    answer_with(raw, mode, basis)
    message = await ask(make(raw, model="lite"), mode, streaming=False)
    assert message.text == "Answer"
    assert message.response_metadata["basis"] == basis
    with pytest.warns(UserWarning, match="could not be read as citations"):
        blocks = message.content_blocks
    assert [b["type"] for b in blocks] == ["text"]
    assert [a["url"] for a in blocks[0].get("annotations", [])] == readable


@pytest.mark.parametrize("mode", MODES)
async def test_v1_output_with_a_malformed_basis(raw: RawServer, mode: str) -> None:
    answer_with(raw, mode, MALFORMED_BASES["excerpts int"][0])
    llm = make(raw, model="lite", output_version="v1")
    with pytest.warns(UserWarning, match="excerpts that are a int"):
        message = await ask(llm, mode, streaming=False)
    assert message.text == "Answer"


def test_a_malformed_basis_warns_once(raw: RawServer) -> None:
    raw.play(response(completion("Answer", basis=MALFORMED_BASES["citations int"][0])))
    message = make(raw, model="lite").invoke(Q)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        for _ in range(3):
            assert message.content_blocks
    assert len(caught) == 1


@BASES
def test_parallel_chat_prints_no_traceback_for_a_malformed_basis(
    raw: RawServer, basis: Any, readable: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARALLEL_BASE_URL", raw.url)
    monkeypatch.setenv("PARALLEL_API_KEY", "k")
    raw.play(answer_stream("Answer", basis=basis))
    out, err = io.StringIO(), io.StringIO()
    code = main(["-m", "parallel:lite", "Q"], out=out, err=err, stdin=io.StringIO())
    assert code == 0
    assert out.getvalue().startswith("Answer\n")
    assert [url for url in readable if url in out.getvalue()] == readable
    # parallel-chat shows a warning as one line of its own on stderr
    assert err.getvalue().startswith("parallel-chat: warning: ")
    assert "could not be read as citations" in err.getvalue()
    assert "Traceback" not in err.getvalue()


# --- 7. only [DONE] or a finish_reason completes a stream -----------------------------


@pytest.mark.parametrize(
    "marker",
    [{"basis": None}, {"interaction_id": "trun_1"}, {"basis": [{"field": "output"}]}],
    ids=["basis null", "interaction_id", "basis"],
)
@pytest.mark.parametrize("mode", MODES)
async def test_a_stream_cut_cleanly_after_metadata_is_incomplete(
    raw: RawServer, mode: str, marker: dict[str, Any]
) -> None:
    raw.play([stream_head(), sse(delta("A few", **marker), delta(" words", **marker))])
    with pytest.raises(
        E.StreamError, match="ended before the answer was complete"
    ) as info:
        await ask(make(raw, model="lite"), mode)
    assert info.value.partial_content == "A few words"


@pytest.mark.parametrize("mode", MODES)
async def test_a_final_chunk_with_finish_reason_completes_without_done(
    raw: RawServer, mode: str
) -> None:
    raw.play([stream_head(), sse(delta("Done"), delta("", "stop", interaction_id="t"))])
    message = await ask(make(raw, model="lite"), mode)
    assert message.response_metadata["interaction_id"] == "t"


# --- the end of a body: without terminator, cut, reset -------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_a_body_that_ends_mid_event(raw: RawServer, mode: str) -> None:
    # The final chunk is written but never terminated by its blank line.
    body = sse(delta("Half")) + b"data: " + json.dumps(delta(" more", "stop")).encode()
    raw.play([stream_head(), body])
    with pytest.raises(E.StreamError) as info:
        await ask(make(raw), mode)
    assert info.value.partial_content == "Half"


@pytest.mark.parametrize(
    "ending", [[RESET], []], ids=["reset", "chunked body without its last chunk"]
)
@pytest.mark.parametrize("mode", MODES)
async def test_a_connection_cut_mid_stream(
    raw: RawServer, mode: str, ending: list[Step]
) -> None:
    raw.play([stream_head(chunked=True), chunk(sse(delta("Cut"))), 0.05, *ending])
    with pytest.raises(E.APIConnectionError) as info:
        await ask(make(raw), mode)
    assert info.value.partial_content == "Cut"
    assert info.value.__cause__ is not None


# --- a stream request answered whole --------------------------------------------------


@pytest.mark.parametrize(
    "content_type", ["application/json", "text/event-stream", "text/plain"]
)
@pytest.mark.parametrize("mode", MODES)
async def test_a_stream_request_answered_with_a_completion_yields_it(
    raw: RawServer, mode: str, content_type: str
) -> None:
    basis = [{"field": "output", "citations": [GOOD]}]
    body = completion("Whole answer", basis=basis, interaction_id="trun_w")
    raw.play(response(body, content_type=content_type))
    message = await ask(make(raw, model="lite"), mode)
    assert message.text == "Whole answer"
    assert message.response_metadata["basis"] == basis
    assert message.response_metadata["interaction_id"] == "trun_w"
    assert message.response_metadata["finish_reason"] == "stop"


NOT_A_COMPLETION = {
    "html": (b"<!doctype html><h1>502 Bad Gateway</h1>", "text/html", "an HTML page"),
    "empty": (b"", "text/event-stream", "an empty body"),
    "not utf-8": (b"\xff\xfe\x00garbage", "application/json", "not JSON"),
    "not json": (b"upstream says hi", "text/plain", "not JSON"),
    "no choice": (
        b'{"id": "x", "object": "chat.completion"}',
        "application/json",
        "without a choice",
    ),
    "error body": (
        b'{"error": {"message": "Quota gone"}}',
        "application/json",
        "Quota gone",
    ),
}


@pytest.mark.parametrize(
    ("body", "content_type", "says"),
    NOT_A_COMPLETION.values(),
    ids=NOT_A_COMPLETION.keys(),
)
async def test_a_200_that_is_not_a_completion_raises_one_error_everywhere(
    raw: RawServer, body: bytes, content_type: str, says: str
) -> None:
    messages = set()
    for mode in MODES:
        for streaming in (False, True):
            raw.play(response(body, content_type=content_type))
            with pytest.raises(E.APIResponseValidationError, match=says) as info:
                await ask(make(raw), mode, streaming=streaming)
            messages.add(str(info.value))
    (message,) = messages  # the very same words, streamed or not
    assert raw.url in message
    assert "base_url" in message


# --- what arrives together is one chunk -------------------------------------------


def one_read(*texts: str, chunked: bool) -> list[Step]:
    """A whole streamed answer in one read: one event per text, then stop."""
    if not chunked:
        return answer_stream(*texts)
    events = [sse(delta(t)) for t in texts] + [sse(delta("", "stop"), "[DONE]")]
    # Each event an HTTP chunk of its own, as streaming servers write them.
    body = b"".join(chunk(e) for e in events) + CHUNKED_END
    return [stream_head(chunked=True) + body]


@pytest.mark.parametrize("chunked", [False, True], ids=["close", "chunked"])
@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_events_that_arrive_in_one_read_make_one_chunk(
    raw: RawServer, mode: str, chunked: bool
) -> None:
    # Sync and chunked: h11 holds the HTTP chunks that httpcore hands over one by
    # one; if this fails after an upgrade of httpx2 or httpcore2, the route
    # `_body._unread` takes to h11 has moved.
    raw.play(one_read("One ", "two ", "three.", chunked=chunked))
    llm = make(raw)
    if mode == "stream":
        chunks = list(llm.stream(Q))
    else:
        chunks = [c async for c in llm.astream(Q)]
    assert [c.text for c in chunks] == ["One two three.", ""]
    assert chunks[-1].response_metadata["finish_reason"] == "stop"


FIRST = chunk(sse(delta("First. ")))
SECOND = chunk(sse(delta("Second."), delta("", "stop"), "[DONE]"))
SECOND_HEAD = SECOND.index(b"\r\n") + 2
CUTS = {  # where the first write ends, in FIRST + SECOND
    "inside the first chunk's CRLF": len(FIRST) - 1,
    "after the first chunk": len(FIRST),
    "inside the next size line": len(FIRST) + 1,
    "before the size line's LF": len(FIRST) + SECOND_HEAD - 1,
    "after the next size line": len(FIRST) + SECOND_HEAD,
    "one byte into the next chunk": len(FIRST) + SECOND_HEAD + 1,
}


@pytest.mark.parametrize("cut", CUTS.values(), ids=CUTS.keys())
@pytest.mark.parametrize("mode", MODES)
async def test_what_a_read_brings_is_passed_on_before_the_next(
    raw: RawServer, mode: str, cut: int
) -> None:
    # Taking along the HTTP chunks that arrived with a read must never wait for
    # one that has not: the server writes the rest only once "First. " is out.
    gate = Gate(timeout=3.0)
    body = FIRST + SECOND + CHUNKED_END
    raw.play([stream_head(chunked=True) + body[:cut], gate, body[cut:]])
    message = await ask(make(raw), mode, callbacks=[OpenOnText(gate)])
    assert message.text == "First. Second."
    assert not gate.timed_out


@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_a_broken_chunk_after_good_ones_keeps_their_text(
    raw: RawServer, mode: str
) -> None:
    # The second chunk ends in "XX", not CRLF: h11 fails on it while the chunks
    # that arrived in the same read are being taken together.
    bad = chunk(sse(delta("two ")))[:-2] + b"XX" + chunk(sse(delta("three")))
    raw.play([stream_head(chunked=True) + chunk(sse(delta("One "))) + bad])
    with pytest.raises(E.APIConnectionError) as info:
        await ask(make(raw), mode)
    assert info.value.partial_content == "One two "


@pytest.mark.parametrize("mode", MODES)
async def test_compressed_text_waits_for_no_chunk_that_decodes_to_nothing(
    raw: RawServer, mode: str
) -> None:
    # httpx2 decodes a compressed body, so its pieces are not h11's chunks: one
    # HTTP chunk may decode to nothing, and taking it along would read on while
    # "First. " waits. Such a body is read as it comes.
    packer = zlib.compressobj(wbits=31)  # gzip
    first = packer.compress(sse(delta("First. "))) + packer.flush(zlib.Z_SYNC_FLUSH)
    second = packer.compress(sse(delta("Second."), delta("", "stop"), "[DONE]"))
    second += packer.flush(zlib.Z_SYNC_FLUSH)
    head = stream_head(chunked=True).replace(
        b"\r\n\r\n", b"\r\ncontent-encoding: gzip\r\n\r\n"
    )
    gate = Gate(timeout=3.0)
    raw.play(
        [
            head + chunk(first) + chunk(second[:1]),  # decodes to nothing yet
            gate,
            chunk(second[1:]) + chunk(packer.flush()) + CHUNKED_END,
        ]
    )
    message = await ask(make(raw), mode, callbacks=[OpenOnText(gate)])
    assert message.text == "First. Second."
    assert not gate.timed_out


BURST = [f"word{i} " for i in range(200)]  # past the pieces a sync stream reads itself


async def read_slowly(llm: ChatParallelWeb, mode: str) -> list[Any]:
    """Chunks of a `stream`/`astream` whose reader dawdles after the first one."""
    chunks = []
    if mode == "stream":
        for c in llm.stream(Q):
            chunks.append(c)
            if len(chunks) == 1:
                time.sleep(0.3)  # the server writes the burst meanwhile
    else:
        async for c in llm.astream(Q):
            chunks.append(c)
            if len(chunks) == 1:
                await asyncio.sleep(0.3)
    return chunks


def burst(*ending: Step, pause: float = 0.001, texts: list[str] = BURST) -> list[Step]:
    """A first event, then `texts` as events written one by one, then `ending`."""
    steps: list[Step] = [stream_head(chunked=True), chunk(sse(delta("First. ")))]
    for text in texts:
        event = chunk(sse(delta(text)))
        steps += [pause, event] if pause else [event]
    return [*steps, *ending]


@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_what_piles_up_while_the_reader_is_busy_is_one_chunk(
    raw: RawServer, mode: str
) -> None:
    raw.play(burst(chunk(sse(delta("", "stop"), "[DONE]")), CHUNKED_END))
    chunks = await read_slowly(make(raw), mode)
    assert "".join(c.text for c in chunks) == "First. " + "".join(BURST)
    assert len(chunks) < len(BURST) // 2  # merged: far fewer chunks than events
    with_metadata = [c for c in chunks if "finish_reason" in c.response_metadata]
    assert with_metadata == [chunks[-1]]


TLS_BURST = [f"word{i} " for i in range(600)]


@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_what_piles_up_over_tls_merges_too(
    raw_tls: RawServer, tls: tuple[ssl.SSLContext, ssl.SSLContext], mode: str
) -> None:
    # Over TLS a read brings one record, and the server writes one per event:
    # merging cannot count on one read bringing many events. The burst is written
    # at once (a record per event still), all of it while the reader dawdles.
    done = chunk(sse(delta("", "stop"), "[DONE]"))
    raw_tls.play(burst(done, CHUNKED_END, pause=0, texts=TLS_BURST))
    with httpx2.Client(verify=tls[1]) as client:
        async with httpx2.AsyncClient(verify=tls[1]) as aclient:
            llm = make(raw_tls, http_client=client, http_async_client=aclient)
            chunks = await read_slowly(llm, mode)
    assert "".join(c.text for c in chunks) == "First. " + "".join(TLS_BURST)
    # A sync stream reads its first INLINE steps itself, a record each; what its
    # reader hands over after them must merge (one chunk per record without it).
    assert len(chunks) - 1 - INLINE < (len(TLS_BURST) - INLINE) // 2


@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_a_cut_inside_a_backlog_keeps_every_character(
    raw: RawServer, mode: str
) -> None:
    # Closed before the chunked body's end (a reset would let the kernel drop what
    # the client had not read yet, which no client can keep).
    raw.play(burst())
    with pytest.raises(E.APIConnectionError) as info:
        await read_slowly(make(raw), mode)
    assert info.value.partial_content == "First. " + "".join(BURST)


@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_an_error_event_inside_a_backlog_keeps_every_character(
    raw: RawServer, mode: str
) -> None:
    error = {"error": {"message": "Task failed", "ref_id": "ref_2"}}
    raw.play(burst(chunk(sse(error)), CHUNKED_END))
    with pytest.raises(E.StreamError, match="Task failed") as info:
        await read_slowly(make(raw), mode)
    assert info.value.partial_content == "First. " + "".join(BURST)


def stream_readers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == READER]


def test_leaving_a_stream_early_stops_its_reader_at_once(raw: RawServer) -> None:
    # The server holds the stream open for longer than the model's timeout: only
    # waking the reader's blocked read ends it before the gate times out.
    gate = Gate(timeout=20.0)
    raw.play(burst(gate))
    stream = make(raw, timeout=30).stream(Q)
    text = ""
    for c in stream:
        text += c.text
        if text.endswith(BURST[-1]):  # the server now waits at the gate
            break
    assert stream_readers()
    stream.close()
    assert stream_readers() == []
    assert not gate.timed_out


def test_a_short_stream_starts_no_reader(raw: RawServer) -> None:
    raw.play([stream_head(chunked=True), chunk(sse(delta("One. "))), Gate(0.5)])
    stream = make(raw).stream(Q)
    assert next(stream).text == "One. "
    assert stream_readers() == []
    stream.close()


def test_a_read_timeout_in_the_reader_is_the_streams_timeout(raw: RawServer) -> None:
    gate = Gate(timeout=5.0)
    raw.play(burst(gate))
    with warnings.catch_warnings():  # a timeout far below the model's first token
        warnings.simplefilter("ignore")
        llm = make(raw, timeout=0.5)
    with pytest.raises(E.APITimeoutError) as info:
        for _ in llm.stream(Q):
            pass
    assert info.value.partial_content == "First. " + "".join(BURST)
    assert stream_readers() == []


def test_sync_streams_keep_their_connection_alive(standin: StandIn) -> None:
    reset_clients()
    llm = ChatParallelWeb(api_key="standin-key", base_url=standin.url)
    for _ in range(3):
        assert "".join(c.text for c in llm.stream(Q))
    assert standin.connections == 1
    assert stream_readers() == []


async def test_leaving_an_astream_with_a_backlog_leaves_no_task(
    raw: RawServer,
) -> None:
    raw.play(burst(Gate(timeout=2.0)))  # the server holds the stream open
    stream = make(raw).astream(Q)
    async for _ in stream:
        await asyncio.sleep(0.1)  # a backlog forms
        break
    await stream.aclose()  # as `async with aclosing(...)` or task cancellation do
    # langchain-core leaves our generator to the loop's finalizer: let it run.
    await asyncio.sleep(0.2)
    readers = [
        task
        for task in asyncio.all_tasks()
        if getattr(task.get_coro(), "__qualname__", "") == "_backlog.<locals>.read"
    ]
    assert readers == []
