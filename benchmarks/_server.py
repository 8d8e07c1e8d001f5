"""The Parallel stand-in in its own process, steered through its stdin.

The benchmark must not share a process (or a GIL) with the server it measures
against, so `Server` starts this module as a child and sends it one-line commands:

    answer N      answer every request with N characters (0: the generated answer)
    delay S       wait S seconds before every answer (0: answer at once)
    reset         forget the request log and the connection count
    stats         print {"connections": ..., "requests": ..., "paths": {...}}
    fault K N     the next request meets fault kind K after N chunks (stream_cut...)

Each command is acknowledged with one line of JSON on stdout, so the parent knows
the change is in force before its next request. Only the stand-in's public API is
used (`StandIn`, `Fault`), so the server stays the one the tests use.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
KEY = "bench-key"
CHUNK_CHARS = 5  # characters per streamed chunk: "word "


def _serve() -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from parallel_standin import Fault, StandIn

    standin = StandIn(api_keys={KEY})
    standin.chat.chunk_chars = CHUNK_CHARS
    standin.start()
    delay = 0.0
    print(json.dumps({"url": standin.url}), flush=True)
    for line in sys.stdin:
        command, _, arg = line.strip().partition(" ")
        reply: dict[str, Any] = {"ok": True}
        if command == "answer":
            chars = int(arg)
            standin.chat.answer_text = (
                ("word " * (chars // 5 + 1))[:chars] if chars else None
            )
        elif command in ("delay", "reset"):
            delay = float(arg) if command == "delay" else delay
            standin.clear()  # drops the sticky delay too: put it back
            if delay:
                standin.inject(Fault("slow", delay=delay, sticky=True))
        elif command == "fault":
            kind, after = arg.split()
            standin.inject(Fault(kind, after=int(after)))
        elif command == "stats":
            paths = Counter(f"{seen.method} {seen.path}" for seen in standin.requests)
            reply = {
                "connections": standin.connections,
                "requests": len(standin.requests),
                "paths": dict(paths),
            }
        else:
            reply = {"error": f"unknown command {command!r}"}
        print(json.dumps(reply), flush=True)
    standin.stop()


class Server:
    """A stand-in child process: `with Server() as server: server.url`."""

    def __enter__(self) -> Server:
        self._proc = subprocess.Popen(
            [sys.executable, __file__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.url: str = self._read()["url"]
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.close()
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()

    def _read(self) -> dict[str, Any]:
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            raise RuntimeError("the stand-in process exited; see its stderr above")
        data: dict[str, Any] = json.loads(line)
        return data

    def command(self, text: str) -> dict[str, Any]:
        """Send one command and return its reply."""
        assert self._proc.stdin is not None
        self._proc.stdin.write(text + "\n")
        self._proc.stdin.flush()
        return self._read()

    def answer(self, chunks: int) -> None:
        """Answer with `chunks` streamed chunks (0: the stand-in's own answer)."""
        self.command(f"answer {chunks * CHUNK_CHARS}")

    def delay(self, seconds: float) -> None:
        """Wait `seconds` before every answer."""
        self.command(f"delay {seconds}")

    def fault(self, kind: str, after: int) -> None:
        """The next request meets the stand-in's fault `kind` after `after` chunks."""
        self.command(f"fault {kind} {after}")

    def stats(self) -> dict[str, Any]:
        """Connections and requests since the last `reset`."""
        return self.command("stats")

    def reset(self) -> None:
        """Zero the counters (a delay stays in force)."""
        self.command("reset")


if __name__ == "__main__":
    _serve()
