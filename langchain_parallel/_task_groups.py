"""A batch of task runs as one Parallel task group.

Parallel runs the group; the client only submits and collects, in four steps whose
request count grows with pages, not with inputs:

1. create the group (one request);
2. add the runs, `PAGE_SIZE` per request (the API's limit), with the task spec they
   share sent once per page as `default_task_spec`;
3. follow the group's event stream until no run is active (one streaming request,
   resumed from its last event id if the server closes it early);
4. list the runs with their outputs (one streaming request, resumed after the last
   run it delivered if the connection breaks).

Every input gets its own outcome, in input order: the answer, or the error of its
run (failed, or unfinished when the time budget ran out), naming the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

import httpx
import parallel
from langchain_core.messages import AIMessage

from langchain_parallel._task_wait import READ_GRACE, Poller
from langchain_parallel._tasks import (
    TERMINAL,
    add_hint,
    answer_message,
    failed,
    going_on,
    name_run,
)
from langchain_parallel._transport import translated
from langchain_parallel.errors import (
    ParallelError,
    StreamError,
    TaskRunTimeoutError,
)

if TYPE_CHECKING:
    from parallel.types import TaskGroupEventsResponse, TaskRunEvent
    from parallel.types.task_group_get_runs_response import TaskGroupGetRunsResponse

PAGE_SIZE = 1000
"""Runs per add-runs request: the most `TaskGroupRunRequest.inputs` accepts."""

Outcome = AIMessage | ParallelError


def pages(
    inputs: Sequence[Mapping[str, Any]],
) -> Iterator[tuple[dict[str, Any] | None, list[dict[str, Any]]]]:
    """`(default_task_spec, inputs)` per add-runs request.

    The task spec every input of a page shares goes once, as the default.
    """
    for start in range(0, len(inputs), PAGE_SIZE):
        page = [dict(item) for item in inputs[start : start + PAGE_SIZE]]
        specs = {repr(item.get("task_spec")) for item in page}
        shared = page[0].get("task_spec") if len(specs) == 1 else None
        if shared is not None:
            for item in page:
                del item["task_spec"]
        yield shared, page


class GroupFollower:
    """Reads the group's events until no run is active."""

    def __init__(self, expected: int) -> None:
        """Wait for `expected` runs."""
        self.expected = expected
        self.last_event_id: str | None = None
        self.done = False

    def read(self, event: TaskGroupEventsResponse) -> None:
        """Note the cursor and whether the group is finished."""
        if event.type == "error":
            raise StreamError(
                f"The task group's event stream reported an error: "
                f"{event.error.message}",
                server_message=event.error.message,
                request_id=event.error.ref_id,
            )
        if event.event_id:
            self.last_event_id = event.event_id
        if event.type == "task_group_status":
            status = event.status
            self.done = not status.is_active and status.num_task_runs >= self.expected


class Collector:
    """Keeps the last state of each run from the group's run listing."""

    def __init__(self) -> None:
        """Nothing collected yet."""
        self.states: dict[str, TaskRunEvent] = {}
        self.last_event_id: str | None = None  # where a cut listing picks up

    def read(self, event: TaskGroupGetRunsResponse) -> None:
        """Keep one run's state."""
        if event.type == "error":
            raise StreamError(
                f"Listing the task group's runs failed: {event.error.message}",
                server_message=event.error.message,
                request_id=event.error.ref_id,
            )
        self.states[event.run.run_id] = event
        if event.event_id:
            self.last_event_id = event.event_id

    def outcomes(self, run_ids: Sequence[str], budget: float) -> list[Outcome]:
        """One outcome per run, in the order the runs were added."""
        found: list[Outcome] = []
        for run_id in run_ids:
            state = self.states.get(run_id)
            if state is None or state.run.status not in TERMINAL:
                error: ParallelError = TaskRunTimeoutError(
                    f"Task run {run_id} of the batch did not finish within "
                    f"time_budget={budget:g} s."
                )
                found.append(name_run(error, run_id))
            elif state.run.status != "completed":
                found.append(failed(state.run))
            elif state.output is None:
                error = StreamError(f"Task run {run_id} completed without an output.")
                found.append(name_run(error, run_id))
            else:
                found.append(answer_message(state.run, state.output))
        return found


@contextlib.contextmanager
def _group_errors(group_id: str | None, timeout: float) -> Iterator[None]:
    """SDK errors made ours; once the group exists, they name it (its runs go on)."""
    if group_id is None:
        with translated(timeout):
            yield
        return
    hint = (
        f"The runs added to task group {group_id} go on at Parallel; list them with "
        "the parallel SDK's client.task_group.get_runs(...) and collect one with "
        "ChatParallelTask().result(run_id)."
    )
    with going_on(
        timeout, ("taskgroup_id", group_id), hint, partial(add_hint, hint=hint)
    ):
        yield


def run_group(
    client: parallel.Parallel,
    inputs: Sequence[Mapping[str, Any]],
    poller: Poller,
    timeout: float,
) -> list[Outcome]:
    """Run `inputs` (run-create bodies) as one task group; outcomes in input order."""
    with _group_errors(None, timeout):
        group_id = client.task_group.create().task_group_id
    with _group_errors(group_id, timeout):
        run_ids: list[str] = []
        for spec, page in pages(inputs):
            added = client.task_group.add_runs(
                group_id,
                inputs=page,  # type: ignore[arg-type]
                **({"default_task_spec": spec} if spec else {}),  # type: ignore[arg-type]
            )
            run_ids.extend(added.run_ids)
        follower = GroupFollower(len(run_ids))
        while not follower.done and (window := poller.window()) is not None:
            with (
                contextlib.suppress(httpx.TimeoutException, parallel.APITimeoutError),
                client.task_group.events(
                    group_id,
                    last_event_id=follower.last_event_id,
                    api_timeout=window,
                    timeout=window + READ_GRACE,
                ) as events,
            ):
                for event in events:
                    follower.read(event)
                    if follower.done:
                        break
            if not follower.done:  # the server closed the stream: reconnect
                time.sleep(poller.pace())
        collector = Collector()
        for attempt in range(poller.max_retries + 1):
            try:
                with client.task_group.get_runs(
                    group_id, include_output=True, last_event_id=collector.last_event_id
                ) as runs:
                    for run in runs:
                        collector.read(run)
                break
            except (httpx.TransportError, parallel.APIConnectionError):
                if attempt == poller.max_retries:
                    raise
    return collector.outcomes(run_ids, poller.budget)


async def arun_group(
    client: parallel.AsyncParallel,
    inputs: Sequence[Mapping[str, Any]],
    poller: Poller,
    timeout: float,
) -> list[Outcome]:
    """`run_group`, on the event loop."""
    with _group_errors(None, timeout):
        group_id = (await client.task_group.create()).task_group_id
    with _group_errors(group_id, timeout):
        run_ids: list[str] = []
        for spec, page in pages(inputs):
            added = await client.task_group.add_runs(
                group_id,
                inputs=page,  # type: ignore[arg-type]
                **({"default_task_spec": spec} if spec else {}),  # type: ignore[arg-type]
            )
            run_ids.extend(added.run_ids)
        follower = GroupFollower(len(run_ids))
        while not follower.done and (window := poller.window()) is not None:
            with contextlib.suppress(httpx.TimeoutException, parallel.APITimeoutError):
                events = await client.task_group.events(
                    group_id,
                    last_event_id=follower.last_event_id,
                    api_timeout=window,
                    timeout=window + READ_GRACE,
                )
                async with events:
                    async for event in events:
                        follower.read(event)
                        if follower.done:
                            break
            if not follower.done:  # the server closed the stream: reconnect
                await asyncio.sleep(poller.pace())
        collector = Collector()
        for attempt in range(poller.max_retries + 1):
            try:
                runs = await client.task_group.get_runs(
                    group_id, include_output=True, last_event_id=collector.last_event_id
                )
                async with runs:
                    async for run in runs:
                        collector.read(run)
                break
            except (httpx.TransportError, parallel.APIConnectionError):
                if attempt == poller.max_retries:
                    raise
    return collector.outcomes(run_ids, poller.budget)
