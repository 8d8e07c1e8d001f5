"""Run a command in a real pseudo-terminal and read back the screen a user sees.

stdout and stderr both go to the pty, as in an interactive shell; the bytes are
fed to `pyte` (a VT100 emulator) so the test sees the final screen, where a status
line drawn after the answer would have erased it.
"""

from __future__ import annotations

import fcntl
import os
import select
import struct
import subprocess
import termios
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pyte

SAFETY_TIMEOUT_S = 60.0  # only so that a hung child fails the test instead of CI


@dataclass
class Screen:
    """What the terminal showed: exit code, raw bytes, and the final screen."""

    code: int
    raw: bytes
    lines: list[str]

    @property
    def text(self) -> str:
        """The non-empty screen lines, right-stripped, joined by newlines."""
        return "\n".join(line for line in self.lines if line)


def run_in_terminal(
    argv: Sequence[str],
    env: Mapping[str, str],
    *,
    columns: int = 100,
    rows: int = 40,
) -> Screen:
    """Run `argv` with stdin, stdout and stderr on a fresh pty; return the screen."""
    controller, terminal = os.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    process = subprocess.Popen(
        list(argv),
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env=dict(env),
        start_new_session=True,
    )
    os.close(terminal)
    raw = bytearray()
    try:
        while True:
            ready, _, _ = select.select([controller], [], [], SAFETY_TIMEOUT_S)
            if not ready:
                process.kill()
                raise AssertionError(f"no output for {SAFETY_TIMEOUT_S} s: {raw!r}")
            try:
                data = os.read(controller, 65536)
            except OSError:  # EIO: every copy of the terminal side is closed
                break
            if not data:
                break
            raw += data
    finally:
        os.close(controller)
        code = process.wait(timeout=SAFETY_TIMEOUT_S)
    screen = pyte.Screen(columns, rows)
    pyte.ByteStream(screen).feed(bytes(raw))
    return Screen(code, bytes(raw), [line.rstrip() for line in screen.display])
