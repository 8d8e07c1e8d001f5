"""Sync stream bodies, read so that what one network read brings is one piece.

A streaming server writes each event as an HTTP chunk of its own, and httpcore
hands a chunked body over one HTTP chunk at a time, even when a single read of
the socket brought dozens: each event would cost LangChain a chunk (a message
it keeps to the end of the stream) although all of them were already there.
`merged` asks h11, the HTTP/1.1 parser under httpcore, what it holds that has
not been handed over yet (its public `Connection.trailing_data`) and takes the
HTTP chunks complete in it along with the one just read. Only bytes already
received are taken, so no read waits for more and no text is delayed; pieces
merge exactly when the caller is slower than the network. The async path gets
the same from a reader task (`_transport._backlog`).

httpcore does not expose the h11 connection of a response; `_unread` finds it
through private attributes of httpx2 and httpcore2, and
`test_events_that_arrive_in_one_read_make_one_chunk` (`test_streams.py`) fails
if an upgrade moves them. Where it is not found (HTTP/2, a custom transport,
another version) or the body is compressed, `merged` gives the body as httpx2
reads it: the same bytes, in more pieces.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator
from typing import Any

import httpx2

_CHUNK_HEAD = re.compile(rb"([0-9A-Fa-f]{1,20})[^\r\n]*\r\n")
"""A chunk's size line, as h11 reads it (extensions and trailing spaces ignored)."""


def merged(response: httpx2.Response) -> Generator[bytes]:
    """`response`'s body, each piece with all that arrived in the same read.

    A read error is raised after the bytes that came before it.
    """
    pieces = response.iter_bytes()
    unread = _unread(response)
    if unread is None:
        yield from pieces
        return
    for piece in pieces:
        ready = _complete_chunks(unread())
        if not ready:
            yield piece
            continue
        parts = [piece]
        error: Exception | None = None
        try:
            for _ in range(ready):
                parts.append(next(pieces))
        except StopIteration:  # pragma: no cover - h11 held the chunks counted
            pass
        except Exception as exc:  # raised once the bytes before it are out
            error = exc
        yield b"".join(parts)
        if error is not None:
            raise error


def _unread(response: httpx2.Response) -> Callable[[], bytes] | None:
    """What h11 holds of `response`'s chunked body, if it can be asked."""
    headers = response.headers
    if headers.get("transfer-encoding", "").lower() != "chunked" or headers.get(
        "content-encoding", "identity"
    ).lower() not in ("", "identity"):
        return None
    # httpx2's client stream -> its transport's -> httpcore2's pool stream ->
    # the HTTP/1.1 connection's -> the connection -> its h11 state.
    parser: Any = response.stream
    for name in ("_stream", "_httpcore_stream", "_stream", "_connection", "_h11_state"):
        parser = getattr(parser, name, None)
    # An h11.Connection, known by its public property: h11 is httpcore2's
    # dependency, not ours, so it is not imported here.
    if not isinstance(getattr(type(parser), "trailing_data", None), property):
        return None
    return lambda: bytes(parser.trailing_data[0])


def _complete_chunks(unread: bytes) -> int:
    """How many more body pieces h11 can hand over from `unread` alone.

    `unread` follows a piece that ended its HTTP chunk (had it not, h11 would
    have taken all it held), so it opens with that chunk's CRLF. Each HTTP chunk
    after it counts once its size line is whole and one byte of its data has
    come: h11 hands over what it has of a chunk without waiting for the rest.
    The last chunk (size 0), an incomplete line or one h11 would reject ends
    the count, leaving it to a plain read. `tests/unit_tests/test_body.py`
    holds the count to what h11 gives.
    """
    count, at, size = 0, 2, len(unread)
    while (head := _CHUNK_HEAD.match(unread, at)) is not None:
        length = int(head[1], 16)
        start = head.end()
        if not length or start >= size:
            break
        count += 1
        at = start + length + 2
    return count
