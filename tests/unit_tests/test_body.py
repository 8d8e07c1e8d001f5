"""`_body`'s count of what h11 can hand over without a read, against h11 itself.

A sync stream takes along, with each piece, the HTTP chunks h11 already holds.
Counting one more than h11 can give would block the stream on a read while text
waits in hand; counting fewer would leave events unmerged. So for any chunked
body received up to any byte, the count after each piece must be exactly the
number of pieces h11 then gives before it needs data.
"""

from __future__ import annotations

import h11
from hypothesis import given, settings
from hypothesis import strategies as st

from langchain_parallel._body import _complete_chunks

HEAD = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"


def size_line(size: int, style: int) -> bytes:
    """A chunk's size line in one of the shapes h11 accepts."""
    digits = f"{size:X}" if style == 1 else f"{size:x}"
    extension = ";name=value" if style == 2 else ""
    spaces = "  " if style == 3 else ""
    return f"{digits}{extension}{spaces}\r\n".encode()


def a_parser() -> h11.Connection:
    parser = h11.Connection(h11.CLIENT)
    parser.send(h11.Request(method="POST", target="/", headers=[("host", "x")]))
    parser.send(h11.EndOfMessage())
    return parser


@settings(max_examples=500, deadline=None)
@given(
    chunks=st.lists(
        st.tuples(st.binary(min_size=1, max_size=30), st.integers(0, 3)),
        min_size=1,
        max_size=8,
    ),
    cut=st.floats(0, 1),
)
def test_the_count_is_what_h11_gives_before_it_needs_data(
    chunks: list[tuple[bytes, int]], cut: float
) -> None:
    body = b"".join(size_line(len(d), s) + d + b"\r\n" for d, s in chunks)
    body += b"0\r\n\r\n"
    parser = a_parser()
    parser.receive_data(HEAD + body[: round(cut * len(body))])
    event = parser.next_event()
    if not isinstance(event, h11.Response):
        return  # not even the head yet: nothing to count
    counted = []  # after each piece h11 gives, the count
    while isinstance(parser.next_event(), h11.Data):
        counted.append(_complete_chunks(parser.trailing_data[0]))
    # h11 now needs data (or the body has ended): after each piece, the pieces
    # that followed it are what it could give without a read.
    assert counted == list(reversed(range(len(counted))))
