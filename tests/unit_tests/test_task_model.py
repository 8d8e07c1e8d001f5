"""ChatParallelTask against the stand-in: invoke, stream, schemas, durable runs."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import traceback
from collections.abc import Iterator
from typing import Any

import httpx
import parallel
import pytest
from conftest import STANDIN_KEY
from helpers import assert_task_requests_fit, ctrl_c_once_requested, merge_chunks
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from parallel_standin import Fault, StandIn
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from langchain_parallel import ChatParallelTask, init_chat_model
from langchain_parallel._task_wait import Poller
from langchain_parallel.errors import (
    AuthenticationError,
    ConfigError,
    InputError,
    MissingAPIKeyError,
    NotFoundError,
    ServerError,
    TaskRunFailedError,
    TaskRunTimeoutError,
    UnsupportedFeatureError,
)

QUESTION = "How did EU battery regulation change in 2025?"
FAIL = "[standin:fail]"


@pytest.fixture
def tasks(standin: StandIn) -> Iterator[StandIn]:
    """The stand-in; afterwards, every Task API request it saw must fit the spec."""
    yield standin
    assert_task_requests_fit(standin.requests)


def task(standin: StandIn, **kwargs: Any) -> ChatParallelTask:
    return ChatParallelTask(api_key=STANDIN_KEY, base_url=standin.url, **kwargs)


def posted_runs(standin: StandIn) -> list[dict[str, Any]]:
    return [
        r.body
        for r in standin.requests
        if (r.method, r.path) == ("POST", "/v1/tasks/runs")
    ]


def citation_urls(message: AIMessage) -> list[str]:
    return [
        a["url"]
        for block in message.content_blocks
        if block["type"] == "text"
        for a in block.get("annotations", [])
    ]


def basis_urls(message: AIMessage) -> list[str]:
    basis = message.response_metadata["basis"]
    return [c["url"] for entry in basis for c in entry["citations"]]


# --- before any request ---------------------------------------------------------------


def test_unknown_processor_is_refused_with_the_list(tasks: StandIn) -> None:
    with pytest.raises(ConfigError, match=r"'ultra9x'.*lite, base, core.*ultra8x-fast"):
        task(tasks, model="ultra9x")
    with pytest.raises(InputError, match="ultra9x"):
        task(tasks).invoke(QUESTION, model="ultra9x")
    assert tasks.requests == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"temperature": 0.2}, "unknown argument 'temperature'"),
        ({"time_budget": 0}, "time_budget must be a positive"),
        ({"poll_timeout": 900}, "poll_timeout must be 1 to 600"),
        ({"extra_body": {"processor": "lite"}}, "extra_body may not set"),
        ({"task_output_schema": {"type": "array"}}, "must describe an object"),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        ChatParallelTask(api_key="k", **kwargs)


def test_what_the_task_api_lacks_is_refused_before_any_request(tasks: StandIn) -> None:
    llm = task(tasks)
    with pytest.raises(InputError, match="no stop sequences"):
        llm.invoke(QUESTION, stop=["."])
    with pytest.raises(InputError, match="Unknown call argument"):
        llm.invoke(QUESTION, temperature=0)
    with pytest.raises(InputError, match="no tool calling"):
        llm.invoke([HumanMessage(QUESTION), ToolMessage("42", tool_call_id="1")])
    with pytest.raises(UnsupportedFeatureError):
        llm.bind_tools([])
    assert tasks.requests == []


def test_an_invalid_key_never_shows_in_the_traceback() -> None:
    secret = "sk-par-very-secret-0123456789"
    with pytest.raises(ConfigError, match="api_key") as caught:
        ChatParallelTask(api_key=(secret,))
    shown = "".join(traceback.format_exception(caught.value))
    assert secret not in shown
    assert caught.value.__cause__ is None


def test_missing_key_names_the_variable() -> None:
    with pytest.raises(MissingAPIKeyError, match="PARALLEL_API_KEY"):
        ChatParallelTask().invoke(QUESTION)


def test_registry_config_alias_and_cli_string(
    tasks: StandIn, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    llm = init_chat_model("parallel_task:ultra", api_key="k")
    assert isinstance(llm, ChatParallelTask)
    assert llm.model == "ultra"
    assert init_chat_model("ultra8x-fast", api_key="k").model == "ultra8x-fast"
    (tmp_path / "parallel.toml").write_text(
        '[models.deep]\nmodel = "parallel_task:pro"\ntime_budget = 900\n'
    )
    monkeypatch.setenv("PARALLEL_API_KEY", STANDIN_KEY)
    monkeypatch.setenv("PARALLEL_BASE_URL", tasks.url)
    deep = init_chat_model("deep")
    assert isinstance(deep, ChatParallelTask)
    assert (deep.model, deep.time_budget) == ("pro", 900)
    assert deep.invoke(QUESTION).response_metadata["processor"] == "pro"


def test_the_package_imports_the_task_model_on_first_use() -> None:
    code = (
        "import sys, langchain_parallel\n"
        "print('langchain_parallel.task_models' in sys.modules)\n"
        "print('parallel' in sys.modules)\n"
        "langchain_parallel.ChatParallelTask\n"
        "print('langchain_parallel.task_models' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["False", "False", "True"]


def test_langchains_own_init_chat_model_knows_the_provider() -> None:
    from langchain.chat_models import init_chat_model as langchain_init_chat_model

    llm = langchain_init_chat_model("parallel_task:ultra", api_key="k")
    assert isinstance(llm, ChatParallelTask)
    assert llm.model == "ultra"


# --- invoke ---------------------------------------------------------------------------


def test_invoke_answers_with_run_metadata_and_citations(tasks: StandIn) -> None:
    msg = task(tasks, model="ultra").invoke(QUESTION)
    meta = msg.response_metadata
    assert "Stand-in research answer from the ultra processor" in msg.content
    assert meta["run_id"].startswith("trun_")
    assert meta["interaction_id"]
    assert (meta["processor"], meta["model_name"], meta["status"]) == (
        "ultra",
        "ultra",
        "completed",
    )
    assert meta["finish_reason"] == "stop"
    assert meta["warnings"] == []
    assert citation_urls(msg) == basis_urls(msg) != []
    (body,) = posted_runs(tasks)
    assert body["input"] == QUESTION
    assert body["task_spec"] == {"output_schema": {"type": "text"}}


def test_conversation_becomes_input_with_context_and_interaction(
    tasks: StandIn,
) -> None:
    llm = task(tasks, model="lite", chain_interactions=True)
    first = llm.invoke(QUESTION)
    history = [
        SystemMessage("Answer for a policy analyst."),
        HumanMessage(QUESTION),
        first,
        HumanMessage("Which member states objected?"),
    ]
    second = llm.invoke(history)
    body = posted_runs(tasks)[1]
    assert body["input"].startswith("Which member states objected?\n\nContext:")
    assert "Instructions: Answer for a policy analyst." in body["input"]
    assert f"User: {QUESTION}" in body["input"]
    assert body["previous_interaction_id"] == first.response_metadata["interaction_id"]
    assert "Continuing the research of" in second.content


def test_run_fields_from_the_model_and_the_call(tasks: StandIn) -> None:
    llm = task(
        tasks,
        source_policy={"include_domains": ["europa.eu"], "after_date": "2025-01-01"},
        extra_body={"advanced_settings": {"location": "de"}},
    )
    llm.invoke(QUESTION, task_metadata={"job": "eu-batteries"}, model="core-fast")
    (body,) = posted_runs(tasks)
    assert body["processor"] == "core-fast"
    assert body["source_policy"]["include_domains"] == ["europa.eu"]
    assert body["metadata"] == {"job": "eu-batteries"}
    assert body["advanced_settings"] == {"location": "de"}
    assert "enable_events" not in body  # the API's default unless streaming


def test_a_408_means_ask_again_until_the_answer(tasks: StandIn) -> None:
    tasks.tasks.max_wait = 0.3  # the server holds each long-poll 300 ms
    tasks.tasks.time_scale = 0.01  # a `pro` run takes 1.2 s
    msg = task(tasks).invoke(QUESTION)
    polls = [r for r in tasks.requests if r.path.endswith("/result")]
    assert len(polls) >= 3  # 408 "still active" answers, then the result
    assert msg.response_metadata["status"] == "completed"


def test_a_408_that_is_not_held_does_not_make_a_busy_loop(tasks: StandIn) -> None:
    tasks.tasks.max_wait = 0  # every ask answers 408 at once
    tasks.tasks.time_scale = 0.01  # a `pro` run takes 1.2 s
    task(tasks).invoke(QUESTION)
    polls = [r for r in tasks.requests if r.path.endswith("/result")]
    assert len(polls) <= 1.2 / 0.25 + 2  # at most one ask per quarter second


def test_transient_errors_while_waiting_are_retried(tasks: StandIn) -> None:
    llm = task(tasks)
    tasks.inject(Fault("slow", delay=0), Fault("status", status=503))
    assert llm.invoke(QUESTION).response_metadata["status"] == "completed"


def test_an_error_after_creation_names_the_run(tasks: StandIn) -> None:
    llm = task(tasks, max_retries=0)
    tasks.inject(Fault("slow", delay=0), Fault("status", status=500))
    with pytest.raises(ServerError) as caught:
        llm.invoke(QUESTION)
    run_id = caught.value.run_id
    assert run_id is not None
    assert run_id.startswith("trun_")
    assert f"ChatParallelTask().result('{run_id}')" in str(caught.value)
    assert caught.value.message == str(
        caught.value
    )  # the whole sentence, as documented
    assert llm.result(run_id).response_metadata["run_id"] == run_id


def test_an_error_before_creation_has_no_run(tasks: StandIn) -> None:
    with pytest.raises(AuthenticationError) as caught:
        ChatParallelTask(api_key="wrong", base_url=tasks.url).invoke(QUESTION)
    assert caught.value.run_id is None


def test_a_failed_run_raises_with_its_id(tasks: StandIn) -> None:
    with pytest.raises(TaskRunFailedError, match="ended failed") as caught:
        task(tasks).invoke(f"{QUESTION} {FAIL}")
    assert caught.value.run_id is not None
    assert caught.value.status == "failed"
    assert "result(" not in str(caught.value)  # nothing left to collect
    with pytest.raises(TaskRunFailedError, match="ended failed"):
        task(tasks).result(caught.value.run_id)


# --- durable runs ---------------------------------------------------------------------


def test_budget_spent_leaves_the_run_collectable(tasks: StandIn) -> None:
    tasks.tasks.time_scale = 1.0  # `ultra` now takes its documented five minutes
    tasks.tasks.max_wait = 0.05
    llm = task(tasks, model="ultra", time_budget=1)
    with pytest.raises(TaskRunTimeoutError, match="time_budget=1 s") as caught:
        llm.invoke(QUESTION)
    run_id = caught.value.run_id
    assert run_id is not None
    assert f"result('{run_id}')" in str(caught.value)
    tasks.tasks.advance(300)  # five minutes later
    msg = llm.result(run_id)
    assert msg.response_metadata["run_id"] == run_id
    assert citation_urls(msg)


def test_progress_events_do_not_outlast_the_budget(tasks: StandIn) -> None:
    # A `lite` run now takes 3 s, with an event at least every 0.6 s: the stream
    # never falls silent for the whole 1 s budget. Its events at 30% and 40% of
    # the run straddle the budget; the one at 80% (2.4 s) comes after it.
    tasks.tasks.time_scale = 0.3
    llm = task(tasks, model="lite", time_budget=1)
    lines = []
    with pytest.raises(TaskRunTimeoutError, match="time_budget=1 s") as caught:
        lines.extend(c.content_blocks[0]["reasoning"] for c in llm.stream(QUESTION))
    run_id = caught.value.run_id
    assert run_id is not None
    assert f"result('{run_id}')" in str(caught.value)
    assert any("Searching the web" in line for line in lines)
    assert not any("80% done" in line for line in lines)
    assert llm.result(run_id, time_budget=10).response_metadata["run_id"] == run_id


async def test_async_progress_events_do_not_outlast_the_budget(tasks: StandIn) -> None:
    tasks.tasks.time_scale = 0.3
    llm = task(tasks, model="lite", time_budget=1)
    lines: list[str] = []

    async def follow() -> None:
        async for chunk in llm.astream(QUESTION):
            lines.append(chunk.content_blocks[0]["reasoning"])

    with pytest.raises(TaskRunTimeoutError, match="time_budget=1 s") as caught:
        await follow()
    assert caught.value.run_id is not None
    assert not any("80% done" in line for line in lines)


@pytest.mark.parametrize("header", ["-1", "nan", "soon"])
def test_an_unreadable_retry_after_falls_back_to_the_backoff(
    tasks: StandIn, header: str
) -> None:
    llm = task(tasks)
    tasks.inject(
        Fault("slow", delay=0), Fault("status", status=503, retry_after=header)
    )
    assert llm.invoke(QUESTION).response_metadata["status"] == "completed"


@pytest.mark.parametrize(
    ("headers", "delay"),
    [
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after": "2.5"}, 2.5),
        ({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),  # past: now
        ({"retry-after": "-1"}, 0.5),  # unreadable: the first backoff step
        ({"retry-after": "nan"}, 0.5),
        ({"retry-after": "3600"}, 60.0),  # never past the budget
    ],
)
def test_a_retry_waits_as_the_server_asks(
    headers: dict[str, str], delay: float
) -> None:
    request = httpx.Request("GET", "https://api.parallel.ai/v1/tasks/runs/r/result")
    response = httpx.Response(503, headers=headers, request=request)
    exc = parallel.InternalServerError("busy", response=response, body=None)
    poller = Poller(60.0, 600, max_retries=2)
    assert poller.retry_delay(exc) == pytest.approx(delay, abs=0.1)


def test_ctrl_c_leaves_the_run_collectable(tasks: StandIn) -> None:
    tasks.tasks.time_scale = 1.0  # the run would take five minutes
    llm = task(tasks, model="ultra")
    presser = ctrl_c_once_requested(tasks, "/result")
    with pytest.raises(KeyboardInterrupt) as caught:
        llm.invoke(QUESTION)  # blocked in the result's long-poll
    presser.join()
    run_id = caught.value.run_id  # type: ignore[attr-defined]
    assert run_id.startswith("trun_")
    assert any(f"result('{run_id}')" in n for n in caught.value.__notes__)
    tasks.tasks.advance(300)
    assert task(tasks).result(run_id).response_metadata["run_id"] == run_id


async def test_cancelling_an_async_wait_leaves_the_run_collectable(
    tasks: StandIn,
) -> None:
    tasks.tasks.time_scale = 1.0
    llm = task(tasks, model="ultra")
    waiting = asyncio.ensure_future(llm.ainvoke(QUESTION))
    while not any(r.path.endswith("/result") for r in tasks.requests):
        await asyncio.sleep(0.01)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError) as caught:
        await waiting
    run_id = caught.value.run_id  # type: ignore[attr-defined]
    tasks.tasks.advance(300)
    assert (await llm.aresult(run_id)).response_metadata["run_id"] == run_id


def test_result_of_an_unknown_run_is_not_found(tasks: StandIn) -> None:
    with pytest.raises(NotFoundError, match="Run id not found") as caught:
        task(tasks).result("trun_unknown")
    assert caught.value.run_id == "trun_unknown"
    assert "result(" not in str(caught.value)  # nothing to collect


# --- stream ---------------------------------------------------------------------------


def test_stream_shows_progress_then_the_answer(tasks: StandIn) -> None:
    chunks = list(task(tasks, model="core").stream(QUESTION))
    progress, answer = chunks[:-1], chunks[-1]
    assert all(c.content == "" for c in progress)
    blocks = [c.content_blocks for c in progress]
    assert all([b["type"] for b in chunk] == ["reasoning"] for chunk in blocks)
    raw = [chunk[0]["reasoning"] for chunk in blocks]
    assert all(line.endswith("\n") and line.count("\n") == 1 for line in raw)
    lines = [line.rstrip("\n") for line in raw]
    assert lines[0].startswith("Task run trun_")  # the id, to resume if need be
    assert any(line.startswith("Plan: ") for line in lines)
    assert any(line.startswith("Sources: 9 read of 24 considered") for line in lines)
    assert "".join(str(c.content) for c in chunks) == answer.content
    full = merge_chunks(chunks)
    assert full.response_metadata["run_id"] in lines[0]
    assert full.response_metadata["processor"] == "core"  # not "corecore..."
    blocks = full.content_blocks
    assert [b["type"] for b in blocks] == ["reasoning", "text"]
    assert blocks[0]["reasoning"].splitlines() == lines
    assert citation_urls(full) == basis_urls(full) != []
    # `core` records events only when asked: streams ask.
    assert posted_runs(tasks)[0]["enable_events"] is True


def test_v1_output_keeps_one_progress_line_per_event(tasks: StandIn) -> None:
    chunks = list(task(tasks, output_version="v1").stream(QUESTION))
    assert all(c.content[0]["type"] == "reasoning" for c in chunks[:-1])
    full = merge_chunks(chunks)
    reasoning = [b for b in full.content if b["type"] == "reasoning"]
    lines = "".join(b["reasoning"] for b in reasoning).splitlines()
    assert lines[0].startswith("Task run trun_")
    assert lines[1].startswith("Plan: ")
    assert full.content[-1]["type"] == "text"


async def test_astream_matches_stream(tasks: StandIn) -> None:
    chunks = [c async for c in task(tasks).astream(QUESTION)]
    full = merge_chunks(chunks)
    assert full.content.startswith("Stand-in research answer from the pro processor")
    assert [b["type"] for b in full.content_blocks] == ["reasoning", "text"]


def test_stream_without_events_still_brings_the_answer(tasks: StandIn) -> None:
    tasks.inject(Fault("slow", delay=0), Fault("status", status=503))  # events fail
    chunks = list(task(tasks, max_retries=0).stream(QUESTION))
    lines = [c.content_blocks[0]["reasoning"].rstrip() for c in chunks[:-1]]
    assert lines[-1].startswith("Progress events unavailable (HTTP 503)")
    assert chunks[-1].content.startswith("Stand-in research answer")


def test_stream_of_a_failed_run_raises(tasks: StandIn) -> None:
    with pytest.raises(TaskRunFailedError) as caught:
        list(task(tasks).stream(f"{QUESTION} {FAIL}"))
    assert caught.value.run_id is not None


# --- structured output ----------------------------------------------------------------


class Regulation(BaseModel):
    """An EU regulation."""

    name: str = Field(description="Official name")
    year: int


class RegulationDict(TypedDict):
    name: str
    year: int


@pytest.mark.parametrize(
    "schema", [Regulation, RegulationDict, Regulation.model_json_schema()]
)
def test_structured_output_uses_the_native_json_schema(
    tasks: StandIn, schema: Any
) -> None:
    out = task(tasks).with_structured_output(schema).invoke(QUESTION)
    value = out if isinstance(out, dict) else out.model_dump()
    assert set(value) == {"name", "year"}
    spec = posted_runs(tasks)[0]["task_spec"]["output_schema"]
    assert spec["type"] == "json"
    assert set(spec["json_schema"]["properties"]) == {"name", "year"}


def test_include_raw_keeps_the_basis_per_field(tasks: StandIn) -> None:
    out = (
        task(tasks)
        .with_structured_output(Regulation, include_raw=True)
        .invoke(QUESTION)
    )
    assert isinstance(out["parsed"], Regulation)
    basis = out["raw"].response_metadata["basis"]
    assert [entry["field"] for entry in basis] == ["name", "year"]
    assert all(entry["citations"] for entry in basis)


def test_a_calls_schema_replaces_the_models(tasks: StandIn) -> None:
    llm = task(tasks, task_output_schema="A two-sentence summary")
    llm.invoke(QUESTION)
    llm.with_structured_output(Regulation).invoke(QUESTION)
    first, second = (b["task_spec"]["output_schema"] for b in posted_runs(tasks))
    assert first == {"type": "text", "description": "A two-sentence summary"}
    assert second["type"] == "json"
    with pytest.raises(InputError, match="Both task_output_schema and response"):
        llm.invoke(
            QUESTION,
            task_output_schema={"type": "auto"},
            response_format={"type": "text"},
        )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"extra_body": {"processor": "lite"}}, "extra_body may not set"),
        ({"task_output_schema": {"type": "array"}}, "must describe an object"),
        ({"response_format": {"type": "xml"}}, "not one the Task API can honour"),
    ],
)
def test_a_calls_bad_arguments_are_input_errors(
    tasks: StandIn, kwargs: dict[str, Any], message: str
) -> None:
    # The same checks refuse the constructor's arguments as ConfigError; a call's
    # arguments are input, as for ChatParallelWeb.
    with pytest.raises(InputError, match=message) as caught:
        task(tasks).invoke(QUESTION, **kwargs)
    assert not isinstance(caught.value, ConfigError)
    assert tasks.requests == []


def test_json_mode_uses_the_auto_schema(tasks: StandIn) -> None:
    out = task(tasks).with_structured_output(method="json_mode").invoke(QUESTION)
    assert isinstance(out, dict)
    assert posted_runs(tasks)[0]["task_spec"] == {"output_schema": {"type": "auto"}}


async def test_ainvoke_and_streaming_invoke(tasks: StandIn) -> None:
    msg = await task(tasks, model="base-fast").ainvoke(QUESTION)
    assert msg.response_metadata["processor"] == "base-fast"
    streamed = task(tasks, streaming=True).invoke(QUESTION)
    assert streamed.content.startswith("Stand-in research answer")
    assert "Plan: " in streamed.additional_kwargs["reasoning_content"]
