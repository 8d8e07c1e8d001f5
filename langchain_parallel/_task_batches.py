"""A batch's answers, handed from its task group to LangChain's per-input machinery.

`ChatParallelTask.batch` runs one task group for all inputs, then lets LangChain's
own `batch` call `invoke` for each input, so that callbacks, tracing,
`return_exceptions` and input order work as for any runnable. Each of those calls
finds its answer here, by its request body, instead of creating a run. The table
lives in a context variable, which LangChain's executor copies into its threads and
asyncio copies into its tasks.
"""

from __future__ import annotations

import contextvars
import json
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from langchain_parallel._task_groups import Outcome, arun_group, run_group
from langchain_parallel.errors import ParallelError

if TYPE_CHECKING:
    import parallel

    from langchain_parallel._task_wait import Poller

_answers: contextvars.ContextVar[dict[str, deque[Outcome]] | None] = (
    contextvars.ContextVar("langchain_parallel_task_batch", default=None)
)


def _key(body: Mapping[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, default=str)


def _each(error: ParallelError) -> ParallelError:
    """A copy of a group-wide error for one input (each raise has its traceback)."""
    copy = BaseException.__new__(type(error))
    copy.__dict__.update(error.__dict__)
    copy.args = error.args
    copy.__cause__ = error.__cause__
    return copy


def outcomes(
    client: parallel.Parallel,
    bodies: Sequence[Mapping[str, Any]],
    poller: Poller,
    timeout: float,
) -> list[Outcome]:
    """Every body's outcome; a group that fails as a whole fails every input."""
    try:
        return run_group(client, bodies, poller, timeout) if bodies else []
    except ParallelError as exc:
        return [_each(exc) for _ in bodies]


async def aoutcomes(
    client: parallel.AsyncParallel,
    bodies: Sequence[Mapping[str, Any]],
    poller: Poller,
    timeout: float,
) -> list[Outcome]:
    """`outcomes`, on the event loop."""
    try:
        return await arun_group(client, bodies, poller, timeout) if bodies else []
    except ParallelError as exc:
        return [_each(exc) for _ in bodies]


@contextmanager
def answered(
    bodies: Sequence[Mapping[str, Any]], found: Sequence[Outcome]
) -> Iterator[None]:
    """While inside, `take` finds each body's outcome (once per equal body)."""
    table: dict[str, deque[Outcome]] = {}
    for body, outcome in zip(bodies, found, strict=True):
        table.setdefault(_key(body), deque()).append(outcome)
    token = _answers.set(table)
    try:
        yield
    finally:
        _answers.reset(token)


def take(body: Mapping[str, Any]) -> Outcome | None:
    """The batch's outcome for `body`, if a batch is answering it."""
    table = _answers.get()
    queue = table.get(_key(body)) if table else None
    try:
        return queue.popleft() if queue else None
    except IndexError:  # taken by another thread meanwhile
        return None


def as_result(outcome: Outcome) -> ChatResult:
    """The outcome as `_generate` returns it (or raises it)."""
    if isinstance(outcome, ParallelError):
        raise outcome
    return ChatResult(generations=[ChatGeneration(message=outcome)])


def as_chunk(outcome: Outcome) -> ChatGenerationChunk:
    """The outcome as the one chunk of a stream (or raised)."""
    message = as_result(outcome).generations[0].message
    chunk = AIMessageChunk(
        content=message.content,
        response_metadata=message.response_metadata,
        chunk_position="last",
    )
    return ChatGenerationChunk(message=chunk)
