"""A local stand-in for Parallel's API, following its published wire format.

A real HTTP/1.1 server on a loopback port (stdlib only), used to record the
cassettes, by the error-path tests and by the benchmarks. One module per API, each
an object with `routes` and `reset()`, plugged into the one `Server`
(`server.py`: routing, auth by `Authorization: Bearer <key>` or `x-api-key: <key>`,
401 otherwise, injected faults, answer writers):

- `chat.py`: the Chat API (`/chat/completions`, `/v1beta/chat/completions`);
- `search.py`, `extract.py`: the Search and Extract APIs (`/v1/search`,
  `/v1/extract`), requests checked against the OpenAPI document (`web_schema.py`).
- `tasks.py` (bodies in `task_wire.py`): the Task API's runs and groups
  (`/v1/tasks/runs...`, `/v1/tasks/groups...`), on a simulated clock.

`StandIn().start()` serves them all; `standin.chat` and `standin.tasks` hold the
switches;
`reset()` returns everything to its defaults. Faults are queued with
`StandIn.inject(Fault(...))`: any status with Parallel's, FastAPI's or OpenAI's
error shape or an HTML page, `retry-after`, a slow answer, and the chat-specific
ones (see `Fault`).

Run it alone with `python tests/parallel_standin --port 8765 --key demo-key`.
"""

from __future__ import annotations

import argparse
import threading
from dataclasses import dataclass, field

from .chat import ChatApi
from .extract import ExtractApi
from .search import SearchApi
from .server import DEFAULT_KEY, Fault, Seen, Server
from .tasks import TasksApi

__all__ = ["DEFAULT_KEY", "Fault", "Seen", "StandIn", "main"]


@dataclass(slots=True)
class StandIn(Server):
    """The stand-in: every API on one server; `start()`, point `base_url` at `url`."""

    chat: ChatApi = field(default_factory=ChatApi)
    search: SearchApi = field(default_factory=SearchApi)
    extract: ExtractApi = field(default_factory=ExtractApi)
    tasks: TasksApi = field(default_factory=TasksApi)

    def __post_init__(self) -> None:
        """Plug each API into the server."""
        self.apis = [self.chat, self.search, self.extract, self.tasks]

    def stats(self) -> dict[str, int]:
        """Counters, for benchmarks that run the stand-in in another process."""
        return {
            "connections": self.connections,
            "requests": len(self.requests),
            "open_streams": self.chat.open_streams,
        }


def main() -> None:
    """Serve until interrupted."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--key", action="append", default=None, help="accepted API key")
    parser.add_argument(
        "--answer-chars", type=int, default=0, help="answer with this many characters"
    )
    parser.add_argument(
        "--chunk-chars", type=int, default=0, help="characters per streamed chunk"
    )
    args = parser.parse_args()
    standin = StandIn(api_keys=set(args.key or [DEFAULT_KEY]))
    if args.answer_chars:
        text = "word " * (args.answer_chars // 5 + 1)
        standin.chat.answer_text = text[: args.answer_chars]
    standin.chat.chunk_chars = args.chunk_chars
    standin.start(args.port)
    keys = ", ".join(sorted(standin.api_keys))
    print(f"Parallel stand-in on {standin.url} (keys: {keys})", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        standin.stop()
