"""batch / abatch of ChatParallelTask: one task group, results in input order."""

from __future__ import annotations

import asyncio
import contextvars
from collections import Counter
from collections.abc import Iterator
from typing import Any

import parallel
import pytest
from conftest import STANDIN_KEY
from helpers import MAX_RUNS_PER_ADD, assert_task_requests_fit, ctrl_c_once_requested
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from parallel_standin import Fault, StandIn
from pydantic import BaseModel

from langchain_parallel import ChatParallelTask
from langchain_parallel.errors import (
    AuthenticationError,
    InputError,
    ServerError,
    TaskRunFailedError,
    TaskRunTimeoutError,
)

FAIL = "[standin:fail]"


@pytest.fixture
def tasks(standin: StandIn) -> Iterator[StandIn]:
    """The stand-in; afterwards, every Task API request it saw must fit the spec."""
    yield standin
    assert_task_requests_fit(standin.requests)


def task(standin: StandIn, **kwargs: Any) -> ChatParallelTask:
    return ChatParallelTask(api_key=STANDIN_KEY, base_url=standin.url, **kwargs)


def calls(standin: StandIn) -> Counter[str]:
    """Requests by kind, ids left out."""
    kinds: Counter[str] = Counter()
    for r in standin.requests:
        parts = r.path.split("/")
        if len(parts) > 4:
            parts[4] = "{id}"
        kinds[f"{r.method} {'/'.join(parts)}"] += 1
    return kinds


def answered_question(message: AIMessage) -> str:
    return str(message.content).rsplit(" to: ", 1)[1]


def test_batch_is_one_group_with_answers_in_input_order(tasks: StandIn) -> None:
    questions = [f"Question {i}" for i in range(5)]
    answers = task(tasks).batch(questions)
    assert [answered_question(a) for a in answers] == questions
    assert len({a.response_metadata["taskgroup_id"] for a in answers}) == 1
    assert len({a.response_metadata["run_id"] for a in answers}) == 5
    assert calls(tasks) == {
        "POST /v1/tasks/groups": 1,
        "POST /v1/tasks/groups/{id}/runs": 1,
        "GET /v1/tasks/groups/{id}/events": 1,
        "GET /v1/tasks/groups/{id}/runs": 1,
    }


def test_a_thousand_inputs_cost_the_requests_paging_needs(tasks: StandIn) -> None:
    questions = [f"Company {i}: who is the CEO?" for i in range(1000)]
    answers = task(tasks, model="lite").batch(questions)
    assert [answered_question(a) for a in answers] == questions
    assert sum(calls(tasks).values()) == 4  # create, one page of runs, events, list
    (added,) = [r for r in tasks.requests if r.path.endswith("/runs") and r.body]
    assert len(added.body["inputs"]) == 1000
    # The shared task spec travels once, not a thousand times.
    assert added.body["default_task_spec"] == {"output_schema": {"type": "text"}}
    assert all("task_spec" not in item for item in added.body["inputs"])


def test_more_inputs_than_one_page_are_added_in_pages(tasks: StandIn) -> None:
    questions = [f"Q{i}" for i in range(2 * MAX_RUNS_PER_ADD + 1)]
    answers = task(tasks, model="lite").batch(questions)
    assert [answered_question(a) for a in answers] == questions
    pages = [
        len(r.body["inputs"])
        for r in tasks.requests
        if r.method == "POST" and r.path.endswith("/runs")
    ]
    assert pages == [1000, 1000, 1]
    assert sum(calls(tasks).values()) == 6


def test_a_closed_group_event_stream_is_resumed(tasks: StandIn) -> None:
    tasks.tasks.max_wait = 0.1  # the server closes each event stream after 100 ms
    tasks.tasks.time_scale = 0.03  # `lite` runs take 300 ms
    answers = task(tasks, model="lite").batch(["a", "b"])
    assert [answered_question(a) for a in answers] == ["a", "b"]
    follows = [r for r in tasks.requests if r.path.endswith("/events")]
    assert len(follows) > 1
    assert "last_event_id" not in follows[0].query
    assert all(f.query["last_event_id"] for f in follows[1:])  # resumed, not restarted


def test_return_exceptions_is_honoured_per_input(tasks: StandIn) -> None:
    inputs: list[Any] = [
        "First question",
        f"Second question {FAIL}",
        [HumanMessage("x"), ToolMessage("42", tool_call_id="1")],  # cannot be sent
        "Fourth question",
    ]
    out = task(tasks).batch(inputs, return_exceptions=True)
    assert answered_question(out[0]) == "First question"
    assert isinstance(out[1], TaskRunFailedError)
    assert out[1].run_id is not None
    assert isinstance(out[2], InputError)
    assert answered_question(out[3]) == "Fourth question"
    (added,) = [r.body for r in tasks.requests if r.method == "POST" and r.body]
    assert len(added["inputs"]) == 3  # the unsendable input never left


def test_without_return_exceptions_a_failed_member_raises(tasks: StandIn) -> None:
    with pytest.raises(TaskRunFailedError, match="ended failed") as caught:
        task(tasks).batch(["fine", f"broken {FAIL}"])
    assert caught.value.run_id is not None


async def test_abatch_matches_batch(tasks: StandIn) -> None:
    out = await task(tasks).abatch(["a", f"b {FAIL}", "c"], return_exceptions=True)
    assert [answered_question(out[0]), answered_question(out[2])] == ["a", "c"]
    assert isinstance(out[1], TaskRunFailedError)
    assert calls(tasks)["POST /v1/tasks/groups"] == 1
    assert "POST /v1/tasks/runs" not in calls(tasks)


def test_batch_as_completed_is_one_group_too(tasks: StandIn) -> None:
    llm = task(tasks)
    pairs = dict(
        llm.batch_as_completed(["a", f"b {FAIL}", "c"], return_exceptions=True)
    )
    assert answered_question(pairs[0]) == "a"  # type: ignore[arg-type]
    assert isinstance(pairs[1], TaskRunFailedError)
    assert answered_question(pairs[2]) == "c"  # type: ignore[arg-type]
    assert dict(llm.batch_as_completed(["d"]))[0].content.endswith("to: d")
    assert calls(tasks)["POST /v1/tasks/groups"] == 2
    assert "POST /v1/tasks/runs" not in calls(tasks)


async def test_abatch_as_completed_is_one_group_too(tasks: StandIn) -> None:
    llm = task(tasks)
    pairs = {i: m async for i, m in llm.abatch_as_completed(["a", "b"])}
    assert [answered_question(pairs[i]) for i in (0, 1)] == ["a", "b"]
    assert calls(tasks)["POST /v1/tasks/groups"] == 1


def test_iterating_as_completed_leaves_the_callers_context_alone(
    tasks: StandIn,
) -> None:
    # Between two pairs the caller's own calls are its own (no answer borrowed from
    # the batch), and the pairs can be dropped from anywhere.
    llm = task(tasks)
    pairs = llm.batch_as_completed(["a", "b", "c"])
    next(pairs)
    assert answered_question(llm.invoke("b")) == "b"
    assert calls(tasks)["POST /v1/tasks/runs"] == 1
    contextvars.copy_context().run(pairs.close)


async def test_async_iterating_as_completed_leaves_the_callers_context_alone(
    tasks: StandIn,
) -> None:
    llm = task(tasks)
    pairs = llm.abatch_as_completed(["a", "b", "c"])
    await anext(pairs)
    assert answered_question(await llm.ainvoke("b")) == "b"
    assert calls(tasks)["POST /v1/tasks/runs"] == 1
    await asyncio.create_task(pairs.aclose())  # another task, another context


def test_each_input_is_one_traced_run(tasks: StandIn) -> None:
    class Count(BaseCallbackHandler):
        def __init__(self) -> None:
            self.starts = self.ends = self.errors = 0

        def on_chat_model_start(self, *args: Any, **kwargs: Any) -> None:
            self.starts += 1

        def on_llm_end(self, *args: Any, **kwargs: Any) -> None:
            self.ends += 1

        def on_llm_error(self, *args: Any, **kwargs: Any) -> None:
            self.errors += 1

    counter = Count()
    task(tasks).batch(
        ["a", "b", f"c {FAIL}"], {"callbacks": [counter]}, return_exceptions=True
    )
    assert (counter.starts, counter.ends, counter.errors) == (3, 2, 1)


def test_spent_budget_leaves_each_run_collectable(tasks: StandIn) -> None:
    tasks.tasks.time_scale = 1.0  # `ultra` takes its documented five minutes
    llm = task(tasks, model="ultra", time_budget=0.5)
    out = llm.batch(["a", "b"], return_exceptions=True)
    assert all(isinstance(e, TaskRunTimeoutError) for e in out)
    tasks.tasks.advance(300)
    collected = [llm.result(e.run_id) for e in out]  # type: ignore[union-attr]
    assert [answered_question(m) for m in collected] == ["a", "b"]


def test_ctrl_c_during_a_batch_leaves_the_group_collectable(tasks: StandIn) -> None:
    tasks.tasks.time_scale = 1.0
    llm = task(tasks, model="ultra")
    presser = ctrl_c_once_requested(tasks, "/events")
    with pytest.raises(KeyboardInterrupt) as caught:
        llm.batch(["a", "b"])  # blocked on the group's event stream
    presser.join()
    group_id = caught.value.taskgroup_id  # type: ignore[attr-defined]
    assert any(group_id in note for note in caught.value.__notes__)
    tasks.tasks.advance(300)
    client = parallel.Parallel(api_key=STANDIN_KEY, base_url=tasks.url)
    with client.task_group.get_runs(group_id) as runs:
        run_ids = [event.run.run_id for event in runs if event.type == "task_run.state"]
    collected = [llm.result(run_id) for run_id in run_ids]
    assert [answered_question(m) for m in collected] == ["a", "b"]


def test_structured_batch_shares_the_schema(tasks: StandIn) -> None:
    class Company(BaseModel):
        name: str
        employees: int

    out = task(tasks).with_structured_output(Company).batch(["Acme", "Initech"])
    assert all(isinstance(c, Company) for c in out)
    (added,) = [r.body for r in tasks.requests if r.method == "POST" and r.body]
    schema = added["default_task_spec"]["output_schema"]
    assert schema["type"] == "json"
    assert set(schema["json_schema"]["properties"]) == {"name", "employees"}


def test_structured_batch_with_raw_is_one_group_too(tasks: StandIn) -> None:
    class Company(BaseModel):
        name: str

    structured = task(tasks).with_structured_output(Company, include_raw=True)
    out = structured.batch(["Acme", "Initech"])
    assert [type(o["parsed"]) for o in out] == [Company, Company]
    assert all(o["raw"].response_metadata["basis"] for o in out)
    assert calls(tasks)["POST /v1/tasks/groups"] == 1
    assert "POST /v1/tasks/runs" not in calls(tasks)


def test_a_group_that_cannot_start_fails_every_input(tasks: StandIn) -> None:
    llm = ChatParallelTask(api_key="wrong", base_url=tasks.url)
    out = llm.batch(["a", "b"], return_exceptions=True)
    assert all(isinstance(e, AuthenticationError) for e in out)
    with pytest.raises(AuthenticationError):
        llm.batch(["a", "b"])


def test_an_error_once_the_group_exists_names_it_in_the_whole_sentence(
    tasks: StandIn,
) -> None:
    llm = task(tasks, max_retries=0)
    # The group is created; adding its runs fails.
    tasks.inject(Fault("slow", delay=0), Fault("status", status=500))
    with pytest.raises(ServerError) as caught:
        llm.batch(["a", "b"])
    assert "list them with the parallel SDK" in str(caught.value)
    assert caught.value.message == str(caught.value)
