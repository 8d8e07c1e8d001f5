"""Reliability: retries, bad input, cancellation, hypothesis, and a secret canary."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from pathlib import Path
from typing import Any

import pytest
import vcr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langchain_core.load import dumps
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from parallel_standin import Fault, StandIn
from recording import scrubbing_vcr_config

from langchain_parallel import ChatParallelWeb
from langchain_parallel import errors as E
from langchain_parallel._messages import to_wire

Q = [("human", "Hello")]


def make(standin: StandIn, **kwargs: Any) -> ChatParallelWeb:
    return ChatParallelWeb(
        **{"api_key": "standin-key", "base_url": standin.url, **kwargs}
    )


async def _consume(llm: ChatParallelWeb, streaming: bool) -> Any:
    if streaming:
        return [c async for c in llm.astream(Q)]
    return await llm.ainvoke(Q)


# --- retries: attempts follow max_retries, sync and async, invoke and stream ----


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503])
@pytest.mark.parametrize("mode", ["invoke", "stream", "ainvoke", "astream"])
def test_retried_statuses_make_n_plus_one_attempts(
    standin: StandIn, status: int, mode: str
) -> None:
    standin.inject(Fault("status", status=status, retry_after="0.01", sticky=True))
    llm = make(standin, max_retries=2)
    calls = {
        "invoke": lambda: llm.invoke(Q),
        "stream": lambda: list(llm.stream(Q)),
        "ainvoke": lambda: asyncio.run(_consume(llm, streaming=False)),
        "astream": lambda: asyncio.run(_consume(llm, streaming=True)),
    }
    with pytest.raises(E.APIStatusError) as info:
        calls[mode]()
    assert info.value.status_code == status
    assert len(standin.requests) == 3


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 422])
def test_client_errors_are_not_retried(standin: StandIn, status: int) -> None:
    standin.inject(Fault("status", status=status, sticky=True))
    with pytest.raises(E.APIStatusError):
        make(standin, max_retries=3).invoke(Q)
    assert len(standin.requests) == 1


def test_retry_after_is_honoured(standin: StandIn) -> None:
    standin.inject(Fault("status", status=429, retry_after="1"))
    started = time.monotonic()
    assert make(standin, max_retries=1).invoke(Q).content
    # the second attempt waited for the server's retry-after, not the 0.5 s default
    assert time.monotonic() - started >= 0.9
    assert len(standin.requests) == 2


def test_429_without_retry_after_backs_off_and_retries(standin: StandIn) -> None:
    standin.inject(Fault("status", status=429))
    assert make(standin, max_retries=1).invoke(Q).content
    assert len(standin.requests) == 2


@pytest.mark.parametrize(
    ("fault", "cls"),
    [
        (Fault("malformed"), E.APIError),
        (Fault("status", status=502, shape="html"), E.ServerError),
        (Fault("stream_stall", delay=2.5), E.APITimeoutError),
    ],
)
@pytest.mark.parametrize("streaming", [False, True])
def test_async_faults(
    standin: StandIn, fault: Fault, cls: type, streaming: bool
) -> None:
    if fault.kind == "malformed" and streaming:
        pytest.skip("a malformed body is a non-streaming fault")
    if fault.kind == "stream_stall" and not streaming:
        pytest.skip("a stall mid-stream needs a stream")
    standin.inject(fault)
    llm = make(standin, max_retries=0, timeout=1)
    with pytest.raises(cls):
        asyncio.run(_consume(llm, streaming))


# --- bad input: refused before any request, or converted faithfully -------------

IMAGE = {"type": "image_url", "image_url": {"url": "https://x/y.png"}}
AUDIO = {"type": "audio", "base64": "aGk=", "mime_type": "audio/wav"}
FILE = {"type": "file", "base64": "aGk=", "mime_type": "application/pdf"}


@pytest.mark.parametrize(
    ("messages", "match"),
    [
        ([], "No messages"),
        ([SystemMessage("Only a system prompt")], "no human message"),
        ([HumanMessage(content=[IMAGE])], "text only"),
        ([HumanMessage(content=[AUDIO])], "text only"),
        ([HumanMessage(content=[FILE])], "text only"),
        ([HumanMessage("q"), ToolMessage("4", tool_call_id="c1")], "no tool calling"),
        ([HumanMessage("q"), FunctionMessage("4", name="f")], "no tool calling"),
    ],
)
def test_bad_input_refused_before_any_request(
    standin: StandIn, messages: list[BaseMessage], match: str
) -> None:
    llm = make(standin)
    with pytest.raises(E.InputError, match=match):
        llm.invoke(messages)
    with pytest.raises(E.InputError, match=match):
        list(llm.stream(messages))
    assert standin.requests == []


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"model": "gpt-4o"}, "choose one of"),
        ({"timeout": 0}, "positive"),
        ({"timeout": -1}, "positive"),
        ({"base_url": "not a url"}, "http"),
    ],
)
def test_bad_settings_refused_before_any_request(
    standin: StandIn, kwargs: dict[str, Any], match: str
) -> None:
    with pytest.raises(E.ConfigError, match=match):
        make(standin, **kwargs)
    assert standin.requests == []


def test_v1_content_blocks_in_history_are_sent_as_text(standin: StandIn) -> None:
    earlier = AIMessage(
        content=[
            {
                "type": "text",
                "text": "Paris.",
                "annotations": [{"type": "citation", "url": "https://x"}],
            }
        ],
        response_metadata={"output_version": "v1"},
    )
    make(standin).invoke([HumanMessage("Capital?"), earlier, HumanMessage("Sure?")])
    assert standin.requests[-1].body["messages"][1] == {
        "role": "assistant",
        "content": "Paris.",
    }


def test_a_1mb_non_ascii_message_arrives_whole(standin: StandIn) -> None:
    text = "Ünïcødé 漢字 🙂 " * 60_000  # over 1 MB of UTF-8
    assert len(text.encode()) > 1_000_000
    msg = make(standin).invoke([HumanMessage(text)])
    assert standin.requests[-1].body["messages"][0]["content"] == text
    assert msg.content


# --- hypothesis: conversion satisfies the wire contract or refuses clearly -------

_text = st.text(max_size=20)
_part = st.one_of(
    _text,
    st.builds(lambda t: {"type": "text", "text": t}, _text),
    st.sampled_from([IMAGE, AUDIO, {"type": "reasoning", "reasoning": "x"}]),
)
_content = st.one_of(_text, st.lists(_part, max_size=3))
_name = st.one_of(st.none(), st.sampled_from(["ada", "bob"]))
_message = st.one_of(
    st.builds(SystemMessage, content=_content, name=_name),
    st.builds(HumanMessage, content=_content, name=_name),
    st.builds(AIMessage, content=_content, name=_name),
    st.builds(
        ChatMessage,
        content=_content,
        role=st.sampled_from(["user", "assistant", "system", "critic"]),
    ),
    st.builds(ToolMessage, content=_text, tool_call_id=st.just("c1")),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_message, max_size=8))
def test_conversion_contract(messages: list[BaseMessage]) -> None:
    try:
        wire = to_wire(messages)
    except E.InputError as exc:  # a clear refusal, never a crash of another kind
        message = str(exc)
        assert message.startswith(("Message ", "No messages", "The conversation"))
        return
    assert wire
    assert any(m["role"] == "user" for m in wire)
    for message in wire:
        assert message["role"] in ("system", "user", "assistant")
        assert isinstance(message["content"], str)
    for before, after in itertools.pairwise(wire):
        assert before["role"] != after["role"]
    # nothing the user wrote is lost
    sent = "\n".join(m["content"] for m in wire)
    for message in messages:
        for fragment in (
            [message.content] if isinstance(message.content, str) else message.content
        ):
            text = fragment if isinstance(fragment, str) else fragment.get("text", "")
            assert text in sent


# --- cancellation closes the HTTP response ---------------------------------------


def _wait_for(predicate: Any, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_breaking_out_of_a_stream_closes_the_response(standin: StandIn) -> None:
    llm = make(standin)
    for _ in range(20):
        standin.inject(Fault("stream_slow", delay=0.05))
        for chunk in llm.stream(Q):
            if chunk.text:
                break
    assert _wait_for(lambda: standin.chat.open_streams == 0)
    assert make(standin).invoke(Q).content  # the pool still serves requests


async def _consume_until_cancelled(llm: ChatParallelWeb, first: asyncio.Event) -> None:
    async for chunk in llm.astream(Q):
        if chunk.text:
            first.set()


def test_cancelling_an_astream_task_closes_the_response(standin: StandIn) -> None:
    llm = make(standin)

    async def scenario() -> None:
        for _ in range(20):
            standin.inject(Fault("stream_slow", delay=0.05))
            first = asyncio.Event()
            task = asyncio.create_task(_consume_until_cancelled(llm, first))
            await first.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        assert (await llm.ainvoke(Q)).content

    asyncio.run(scenario())
    assert _wait_for(lambda: standin.chat.open_streams == 0)


# --- the canary: a key never shows ---------------------------------------------

CANARY = "sk-canary-7f3a9c21"


def test_canary_key_never_appears(
    standin: StandIn, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    standin.api_keys.add(CANARY)
    texts: list[str] = []
    try:
        with caplog.at_level(logging.DEBUG):
            for name in ("langchain_parallel", "openai", "httpx", "httpx2", "httpcore"):
                logging.getLogger(name).setLevel(logging.DEBUG)
            llm = make(standin, api_key=CANARY)
            texts += [
                repr(llm),
                str(llm),
                dumps(llm),
                repr(llm._client_config("speed")),
            ]
            llm.invoke(Q)
            list(llm.stream(Q))
            asyncio.run(_consume(llm, streaming=True))
            for fault in (
                Fault("status", status=401),
                Fault("status", status=500, sticky=True),
                Fault("stream_error"),
            ):
                standin.clear()
                standin.inject(fault)
                with pytest.raises(E.ParallelError) as info:
                    list(make(standin, api_key=CANARY, max_retries=0).stream(Q))
                texts += [str(info.value), repr(info.value), str(info.value.__cause__)]
            standin.clear()
            with pytest.raises(E.ConfigError) as config_error:
                ChatParallelWeb(api_key=CANARY, timeout=-1)
            texts.append(str(config_error.value))
            # a cassette recorded with the tests' scrubbing configuration
            config = scrubbing_vcr_config()
            recorder = vcr.VCR(
                record_mode="all", path_transformer=config.pop("path_transformer")
            )
            with recorder.use_cassette(str(tmp_path / "canary"), **config):
                llm.invoke(Q)
                list(llm.stream(Q))
            texts.append((tmp_path / "canary.yaml").read_text())
        texts.append(caplog.text)
    finally:
        standin.api_keys.discard(CANARY)
    assert caplog.records  # the DEBUG logs really were captured
    for text in texts:
        assert CANARY not in text
