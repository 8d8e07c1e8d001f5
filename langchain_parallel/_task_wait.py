"""Waiting for a task run: the result's long-poll, and the run's event stream.

The result endpoint holds a request open until the run ends or its `timeout` (600 s
by default, and never more here) passes, then answers 408: "still running, ask
again". `Poller` decides, for the sync and async loops alike, how long each ask may
block, when a failed ask is worth repeating, and when the time budget is spent. Asks
go through a client with the SDK's own retries off, because the SDK would treat 408
as a failure and back off; here it is the normal way to wait, and other transient
failures get `max_retries` retries in a row, as everywhere else in the package.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING

import httpx
import parallel
from langchain_core.outputs import ChatGenerationChunk

from langchain_parallel._tasks import (
    EventReader,
    answer_chunk,
    failed,
    progress_chunk,
)
from langchain_parallel.errors import (
    StreamError,
    TaskRunTimeoutError,
    retry_after_seconds,
)

if TYPE_CHECKING:
    from parallel.types import TaskRun, TaskRunResult

API_POLL_LIMIT = 600
"""The result endpoint's documented default `timeout`; no ask holds longer."""
_MIN_ASK_INTERVAL = 0.25
"""Seconds between two asks for a result, at the least."""
READ_GRACE = 30.0
"""Seconds an HTTP read may outlast the server-side window before we call it lost."""


class Poller:
    """The schedule of one wait: windows, retries and the time budget."""

    def __init__(
        self, budget: float, poll_timeout: float, max_retries: int, run_id: str = ""
    ) -> None:
        """Start the clock on `budget` seconds (for `run_id`, when waiting on one)."""
        self.run_id = run_id
        self.budget = budget
        self.deadline = time.monotonic() + budget
        self.poll_timeout = poll_timeout
        self.max_retries = max_retries
        self.failures = 0
        self._asked = time.monotonic()

    def remaining(self) -> float:
        """Seconds left of the budget (never negative)."""
        return max(0.0, self.deadline - time.monotonic())

    def window(self) -> int | None:
        """The next ask's server-side `timeout` in whole seconds; None when spent."""
        remaining = self.remaining()
        if remaining <= 0:
            return None
        self._asked = time.monotonic()
        return max(1, min(int(self.poll_timeout), math.ceil(remaining)))

    def retry_delay(self, exc: parallel.APIError) -> float | None:
        """Seconds to wait before asking again after `exc`; None to give up."""
        status = getattr(exc, "status_code", None)
        if status == 408:  # the run is still going: ask again
            self.failures = 0
            # At once after a held ask; a 408 that came back at once (a proxy, not
            # the long-poll) must not turn the wait into a busy loop.
            return self.pace()
        transient = isinstance(exc, parallel.APIConnectionError) or (
            status is not None and (status in (409, 429) or status >= 500)
        )
        if not transient or self.failures >= self.max_retries:
            return None
        self.failures += 1
        delay = min(0.5 * 2.0 ** (self.failures - 1), 8.0)
        response: httpx.Response | None = getattr(exc, "response", None)
        if response is not None:
            # Every form the SDK honours; a wait it cannot read keeps the backoff.
            asked = retry_after_seconds(response.headers)
            if asked is not None:
                delay = asked
        return max(0.0, min(delay, self.remaining()))

    def pace(self) -> float:
        """Seconds to wait so that asks (or reconnections) are not a busy loop."""
        held = time.monotonic() - self._asked
        return min(max(0.0, _MIN_ASK_INTERVAL - held), self.remaining())

    def timed_out(self) -> TaskRunTimeoutError:
        """The error for a spent budget (the run goes on)."""
        error = TaskRunTimeoutError(
            f"Task run {self.run_id} did not finish within time_budget="
            f"{self.budget:g} s. Pass a larger time_budget= for long processors."
        )
        return error


def wait(client: parallel.Parallel, poller: Poller) -> TaskRunResult:
    """Ask for the result until it comes, the run fails or the budget is spent."""
    asks = client.with_options(max_retries=0)
    while (window := poller.window()) is not None:
        try:
            return asks.task_run.result(
                poller.run_id, api_timeout=window, timeout=window + READ_GRACE
            )
        except parallel.NotFoundError:  # "run failed or run id not found"
            run = client.task_run.retrieve(poller.run_id)
            if run.status in ("failed", "cancelled"):
                raise failed(run) from None
            raise
        except parallel.APIError as exc:
            delay = poller.retry_delay(exc)
            if delay is None:
                raise
            time.sleep(delay)
    raise poller.timed_out()


async def await_result(client: parallel.AsyncParallel, poller: Poller) -> TaskRunResult:
    """`wait`, on the event loop."""
    asks = client.with_options(max_retries=0)
    while (window := poller.window()) is not None:
        try:
            return await asks.task_run.result(
                poller.run_id, api_timeout=window, timeout=window + READ_GRACE
            )
        except parallel.NotFoundError:
            run = await client.task_run.retrieve(poller.run_id)
            if run.status in ("failed", "cancelled"):
                raise failed(run) from None
            raise
        except parallel.APIError as exc:
            delay = poller.retry_delay(exc)
            if delay is None:
                raise
            await asyncio.sleep(delay)
    raise poller.timed_out()


def _quiet_limit(poller: Poller) -> float:
    # How long the event stream may stay silent before we stop listening and
    # long-poll instead: a dead connection must not hold the wait for hours.
    return max(1.0, min(poller.remaining(), API_POLL_LIMIT + READ_GRACE))


def _no_events(exc: Exception) -> ChatGenerationChunk:
    # Progress is a courtesy: without it the long-poll still brings the answer (or
    # the run's failure), so a broken event stream does not fail the call.
    status = getattr(exc, "status_code", None)
    reason = f"HTTP {status}" if status else type(exc).__name__
    return progress_chunk(
        f"Progress events unavailable ({reason}); waiting for the answer"
    )


def _created(run: TaskRun) -> ChatGenerationChunk:
    return progress_chunk(
        f"Task run {run.run_id} created on processor {run.processor} ({run.status})"
    )


def _stop_reading(reader: EventReader, poller: Poller) -> bool:
    """Whether the run's events are done with; raises once the budget is spent."""
    if reader.finished is not None:
        return True
    # Events may keep coming for hours: they must not outlast the budget.
    if poller.remaining() <= 0:
        raise poller.timed_out()
    return False


def _settled(reader: EventReader) -> ChatGenerationChunk | None:
    """The answer the events delivered, if they did; raises for a failed run."""
    finished = reader.finished
    if finished is not None and finished.status != "completed":
        raise failed(finished)
    if finished is not None and reader.output is not None:
        return answer_chunk(finished, reader.output)
    return None


def follow(
    client: parallel.Parallel, run: TaskRun, poller: Poller
) -> Iterator[ChatGenerationChunk]:
    """Progress chunks from the run's events, then the answer chunk.

    If the event stream fails, falls silent for ten minutes or ends before the
    run does, the rest of the wait is a long-poll: the answer still arrives,
    without further progress lines.
    """
    yield _created(run)
    reader = EventReader()
    try:
        with client.task_run.events(run.run_id, timeout=_quiet_limit(poller)) as events:
            for event in events:
                line = reader.read(event)
                if line:
                    yield progress_chunk(line)
                if _stop_reading(reader, poller):
                    break
    except (httpx.TimeoutException, parallel.APITimeoutError) as exc:
        if poller.window() is None:
            raise poller.timed_out() from None
        yield _no_events(exc)
    except (parallel.APIError, httpx.HTTPError, StreamError) as exc:
        yield _no_events(exc)
    settled = _settled(reader)
    if settled is None:
        result = wait(client, poller)
        settled = answer_chunk(result.run, result.output)
    yield settled


async def afollow(
    client: parallel.AsyncParallel, run: TaskRun, poller: Poller
) -> AsyncIterator[ChatGenerationChunk]:
    """`follow`, on the event loop."""
    yield _created(run)
    reader = EventReader()
    try:
        events = await client.task_run.events(run.run_id, timeout=_quiet_limit(poller))
        async with events:
            async for event in events:
                line = reader.read(event)
                if line:
                    yield progress_chunk(line)
                if _stop_reading(reader, poller):
                    break
    except (httpx.TimeoutException, parallel.APITimeoutError) as exc:
        if poller.window() is None:
            raise poller.timed_out() from None
        yield _no_events(exc)
    except (parallel.APIError, httpx.HTTPError, StreamError) as exc:
        yield _no_events(exc)
    settled = _settled(reader)
    if settled is None:
        result = await await_result(client, poller)
        settled = answer_chunk(result.run, result.output)
    yield settled
