"""A stream remedy not (yet) in the package, measured beside `ChatParallelWeb`.

`run.py --remedies` times it in the same rounds as ours and checks the stream
contract. The package already merges, for sync and async streams, the events
that one read of the body completes (`StreamAssembler.feed`), and async streams
merge whatever arrived while the consumer was busy (`_transport._backlog`, a
reader task). What a sync stream would need for the latter is a reader thread:

- `SyncBacklog` reads the first `INLINE_PIECES` pieces of the body in the caller's
  thread (a short answer never pays for a thread), then hands reading to a daemon
  thread that queues pieces as they arrive; each step takes all that are waiting.

It stays a prototype because the consumer then closes a response that another
thread may be reading (a consumer that stops early, a timeout): httpcore does not
promise that this is safe, and a thread per long sync stream is a cost an
application did not ask for.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Iterable, Iterator
from typing import Any

from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGenerationChunk

from langchain_parallel import ChatParallelWeb, _transport
from langchain_parallel._wire import StreamAssembler

_PATH = "/chat/completions"
_END = object()
INLINE_PIECES = 256


class SyncBacklog(ChatParallelWeb):
    """`ChatParallelWeb` whose sync streams also merge what piled up meanwhile."""

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        config, body = self._request(messages, stop, kwargs)
        body["stream"] = True
        answer = StreamAssembler(body["model"], config.base_url)
        with _transport.stream(
            config, _PATH, body, lambda: answer.partial_content
        ) as pieces:
            for piece in backlog(pieces):
                for chunk in answer.feed(piece):
                    if run_manager:
                        run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk
        for chunk in answer.finish():
            if run_manager:
                run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk


def backlog(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """`pieces` as they arrive, but what piled up while the caller was busy as one.

    A read error is raised after the bytes before it are handed over.
    """
    source = iter(pieces)
    inline = 0
    for piece in itertools.islice(source, INLINE_PIECES):
        inline += 1
        yield piece
    if inline < INLINE_PIECES:  # the body ended: no thread needed
        return
    arrived: queue.SimpleQueue[Any] = queue.SimpleQueue()

    def read() -> None:
        try:
            for piece in source:
                arrived.put(piece)
        except Exception as exc:  # handed to the consumer, raised there
            arrived.put(exc)
        arrived.put(_END)

    threading.Thread(target=read, daemon=True).start()
    while True:
        items = [arrived.get()]
        while not arrived.empty():
            items.append(arrived.get_nowait())
        data = b"".join(item for item in items if isinstance(item, bytes))
        if data:
            yield data
        for item in items:
            if isinstance(item, BaseException):
                raise item
        if items[-1] is _END:
            return


REMEDIES: dict[str, type[ChatParallelWeb]] = {"sync reader thread": SyncBacklog}


def contract(model: ChatParallelWeb, reference: ChatParallelWeb, server: Any) -> str:
    """Empty if `model` streams what `reference` does, else what differs.

    Same text; the answer's metadata once, on the last chunk; a cut stream raises
    the package's error with the same `partial_content`.
    """
    from langchain_parallel.errors import ParallelError

    server.answer(2000)
    ours = list(reference.stream("q"))
    theirs = list(model.stream("q"))
    if "".join(c.text for c in ours) != "".join(c.text for c in theirs):
        return "the text differs"
    with_meta = [
        i for i, c in enumerate(theirs) if "finish_reason" in c.response_metadata
    ]
    if with_meta != [len(theirs) - 1]:
        return f"finish metadata on chunks {with_meta} of {len(theirs)}"
    partials = []
    for subject in (reference, model):
        server.fault("stream_cut", 1500)
        try:
            for _ in subject.stream("q"):
                pass
        except ParallelError as exc:
            partials.append(getattr(exc, "partial_content", None))
        else:
            return f"{type(subject).__name__}: a cut stream did not raise"
    if partials[0] != partials[1] or not partials[0]:
        return "partial_content of a cut stream differs"
    return ""
