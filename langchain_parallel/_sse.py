"""Server-sent events, decoded from bytes exactly as the WHATWG HTML standard says.

https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation

- The stream is UTF-8 whatever charset its `content-type` names (servlet containers
  add `charset=ISO-8859-1`); bytes that are not UTF-8 become U+FFFD.
- One byte order mark at the very start is dropped.
- Lines end at CRLF, LF or CR and nowhere else. U+2028, U+2029 and U+0085, which
  `str.splitlines()` (and so `iter_lines()`) takes for line ends, are text: JSON may
  carry them raw, and web excerpts often do. Lines are split on bytes, where CR and
  LF can never be part of a multi-byte character, so no decoding state is needed.
- A CR that ends a read ends its line at once, and an LF opening the next read is
  skipped as the rest of that CRLF: waiting for the byte after a CR would hold a
  finished event back until the server writes again.
- A blank line dispatches the event; an event left unterminated when the body ends
  is discarded (it may have been cut mid-way).

The decoder does no I/O: the sync and async readers feed it the same bytes.
"""

from __future__ import annotations

import re

_LINE_END = re.compile(rb"\r\n|\r|\n")
_BOM = b"\xef\xbb\xbf"

Event = tuple[str, str]
"""A dispatched event: its type (`"message"` unless an `event:` field named one)
and its `data:` lines joined with LF. A plain tuple: a stream makes thousands."""


class SSEDecoder:
    """Turns the bytes of a `text/event-stream` body into events, read by read."""

    __slots__ = (
        "_after_cr",
        "_data",
        "_event",
        "_pending",
        "_start",
        "last_event_id",
        "retry",
    )

    def __init__(self) -> None:
        """Start before the first byte of a stream."""
        self._pending: list[bytes] = []  # a line not yet ended, in pieces
        self._start = True  # the first line, which may open with a BOM, is to come
        self._after_cr = False  # the last read ended with CR
        self._data: list[bytes] = []
        self._event = b""
        self.last_event_id = ""
        """The `id:` field in force (it persists across events, as specified)."""
        self.retry: int | None = None
        """The reconnection time the server asked for, in milliseconds."""

    def feed(self, chunk: bytes) -> list[Event]:
        """Take the next bytes of the body; return the events they complete."""
        if not chunk:
            return []
        if self._after_cr:
            self._after_cr = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
                if not chunk:
                    return []
        if b"\r" not in chunk and not (
            self._pending or self._data or self._event or self._start
        ):
            return self._split_events(chunk)
        return self._read_lines(chunk)

    def _split_events(self, chunk: bytes) -> list[Event]:
        """`chunk`, read from an event's start with LF line ends only.

        What servers write, and the cheap case: every blank line is then two LFs
        in a row, and an event of one `data: ` line needs no reading line by line.
        """
        *blocks, tail = chunk.split(b"\n\n")
        events: list[Event] = []
        for block in blocks:
            if block[:6] == b"data: " and b"\n" not in block:
                events.append(("message", block[6:].decode("utf-8", "replace")))
            else:
                events += self._lines([*block.split(b"\n"), b""])
        if tail:  # an event not yet ended
            events += self._read_lines(tail)
        return events

    def _read_lines(self, chunk: bytes) -> list[Event]:
        """`chunk`, read line by line wherever it starts and whatever ends its lines."""
        if b"\n" not in chunk and b"\r" not in chunk:
            # No line ends here: keep the piece, so a long line costs linear time.
            self._pending.append(chunk)
            return []
        if self._pending:
            self._pending.append(chunk)
            chunk = b"".join(self._pending)
            self._pending = []
        if self._start:  # the first line, whole: it starts the stream
            self._start = False
            if chunk.startswith(_BOM):
                chunk = chunk[3:]
        lines = _LINE_END.split(chunk)
        tail = lines.pop()
        if tail:
            self._pending.append(tail)
        elif chunk[-1:] == b"\r":
            self._after_cr = True
        return self._lines(lines)

    def _lines(self, lines: list[bytes]) -> list[Event]:
        events: list[Event] = []
        data = self._data
        for line in lines:
            if line[:6] == b"data: ":  # the common line, read without partition
                data.append(line[6:])
            elif not line:  # a blank line dispatches
                if data:
                    kind = self._event.decode("utf-8", "replace") if self._event else ""
                    text = b"\n".join(data).decode("utf-8", "replace")
                    events.append((kind or "message", text))
                    data = self._data = []
                self._event = b""
            else:
                self._field(line)
        return events

    def _field(self, line: bytes) -> None:
        name, _, value = line.partition(b":")
        if not name:  # a line that starts with ":" is a comment
            return
        if value[:1] == b" ":
            value = value[1:]
        if name == b"data":
            self._data.append(value)
        elif name == b"event":
            self._event = value
        elif name == b"id":
            if b"\0" not in value:
                self.last_event_id = value.decode("utf-8", "replace")
        elif name == b"retry" and value.isdigit():
            self.retry = int(value)
        # Any other field is ignored, as specified.
