"""The one-line progress display of `parallel-chat`, on stderr.

It shows what the model is doing and for how long ("Researching with core  42s of
usually 1-5 min  Searching for ..."), and is erased before the first byte of the
answer is written: `stop()` returns only once the line is gone and nothing can draw
again, so the answer (on stdout, often the same terminal) is never overwritten.

It uses `rich` when installed (`pip install 'langchain-parallel[cli]'`), else plain
ANSI: carriage return, the line, erase to end of line. Nothing is drawn unless the
stream is a terminal.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from typing import Any, Protocol, TextIO

TICK_S = 0.1  # redraw interval: smooth seconds, negligible CPU


def duration(seconds: float) -> str:
    """`42s`, `3m 05s` or `2h 07m`: short, and stable in width for a while."""
    whole = int(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m {whole % 60:02d}s"
    return f"{whole // 3600}h {whole % 3600 // 60:02d}m"


def span(low: float, high: float) -> str:
    """A documented latency range: `10-60 s`, `1-5 min`."""
    if high < 120:
        return f"{low:g}-{high:g} s"
    return f"{low / 60:g}-{high / 60:g} min"


class _Backend(Protocol):
    def show(self, line: str) -> None: ...

    def clear(self) -> None: ...


class _Plain:
    """Carriage return and erase-line: what every terminal understands."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def show(self, line: str) -> None:
        self._stream.write(f"\r{line}\x1b[K")
        self._stream.flush()

    def clear(self) -> None:
        self._stream.write("\r\x1b[K")
        self._stream.flush()


class _Rich:
    """rich's spinner, drawn only from our thread; its own redirections turned off."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console
        from rich.live import Live
        from rich.spinner import Spinner

        self._stream = stream
        self._spinner = Spinner("dots", style="cyan")
        # transient: erased on stop, not left behind. No auto refresh: every draw
        # happens in `show`, under Progress's lock, so `clear` is the last word.
        self._live = Live(
            self._spinner,
            console=Console(file=stream),
            transient=True,
            auto_refresh=False,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._live.start()

    def show(self, line: str) -> None:
        self._spinner.update(text=line)
        self._live.refresh()

    def clear(self) -> None:
        self._live.stop()
        self._stream.flush()


def _backend(stream: TextIO) -> _Backend:
    try:
        return _Rich(stream)
    except ImportError:
        return _Plain(stream)


class Progress:
    """A status line on `stream` while a model works; a no-op off a terminal.

    Use as a context manager; call `note()` with what the model reports, and
    `stop()` before writing the answer.
    """

    def __init__(
        self,
        stream: TextIO,
        label: str,
        expected: tuple[float, float] | None = None,
    ) -> None:
        """Prepare the line `label  <elapsed> [of usually <expected>]  <note>`."""
        self._stream = stream
        self._label = label
        self._expected = expected
        self._note = ""
        self._started = time.monotonic()
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._backend: _Backend | None = None
        self._thread: threading.Thread | None = None

    @property
    def active(self) -> bool:
        """Whether the line is on screen (it is until `stop()`, on a terminal)."""
        return self._backend is not None

    def __enter__(self) -> Progress:
        if _is_terminal(self._stream):
            self._backend = _backend(self._stream)
            self._draw()  # at once: a fast answer still shows what it waited for
            self._thread = threading.Thread(target=self._tick, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def note(self, text: str) -> None:
        """Show `text` (the model's latest progress message) after the time."""
        lines = [part.strip() for part in text.strip().splitlines() if part.strip()]
        if lines:
            self._note = lines[-1]
            if self.active:
                self._draw()

    def line(self) -> str:
        """The status line as it reads now."""
        parts = [self._label, duration(time.monotonic() - self._started)]
        if self._expected is not None:
            parts[-1] += f" of usually {span(*self._expected)}"
        if self._note:
            parts.append(self._note)
        return "  ".join(parts)

    def stop(self) -> None:
        """Erase the line; once this returns, nothing more is drawn."""
        self._done.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        with self._lock:
            if self._backend is not None:
                self._backend.clear()
                self._backend = None

    def _tick(self) -> None:
        while not self._done.wait(TICK_S):
            self._draw()

    def _draw(self) -> None:
        with self._lock:
            if self._backend is None:
                return
            width = _width(self._stream)
            text = self.line()
            # Never wrap: a wrapped line cannot be erased with a carriage return.
            if len(text) > width - 4:
                text = text[: max(width - 5, 0)] + "…"
            self._backend.show(text)


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty()) and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):  # closed or not a real file
        return False


def _width(stream: TextIO) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        return shutil.get_terminal_size().columns
