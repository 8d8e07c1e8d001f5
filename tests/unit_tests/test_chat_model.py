"""ChatParallelWeb against the loopback stand-in: the integration page's flows."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from helpers import merge_chunks
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.load import dumps
from langchain_core.messages import (
    AIMessage,
    HumanMessage,
    SystemMessage,
)
from langchain_core.prompts import ChatPromptTemplate
from parallel_standin import Fault, StandIn

from langchain_parallel import ChatParallel, ChatParallelWeb, ParallelError
from langchain_parallel._client import (
    async_client,
    cached_client_count,
    reset_clients,
    sync_client,
)
from langchain_parallel.errors import APITimeoutError, InputError, ServerError

MESSAGES = [
    ("system", "You are a helpful assistant with access to real-time web information."),
    ("human", "What are the latest developments in AI?"),
]


@pytest.fixture
def llm(standin: StandIn) -> ChatParallelWeb:
    return ChatParallelWeb(api_key="standin-key", base_url=standin.url)


def sent(standin: StandIn, index: int = -1) -> dict[str, Any]:
    return standin.requests[index].body


def test_alias_is_the_same_class() -> None:
    assert ChatParallel is ChatParallelWeb


def test_invoke_metadata_as_the_page_shows(llm: ChatParallelWeb) -> None:
    msg = llm.invoke(MESSAGES)
    assert isinstance(msg, AIMessage)
    assert "latest developments in AI" in msg.content
    assert msg.usage_metadata is None
    meta = msg.response_metadata
    assert meta["model"] == meta["model_name"] == "speed"
    assert meta["finish_reason"] == "stop"
    assert isinstance(meta["created"], int)
    assert meta["model_provider"] == "parallel"
    assert "basis" not in meta


def test_documented_empty_fields_fall_back(
    llm: ChatParallelWeb, standin: StandIn
) -> None:
    standin.chat.documented_empty = True
    msg = llm.invoke(MESSAGES)
    assert msg.response_metadata["model"] == "speed"
    assert msg.response_metadata["finish_reason"] == "stop"
    full = merge_chunks(llm.stream(MESSAGES))
    assert full.response_metadata["model_name"] == "speed"
    assert full.response_metadata["finish_reason"] == "stop"


def test_request_body(llm: ChatParallelWeb, standin: StandIn) -> None:
    llm.invoke(MESSAGES)
    body = sent(standin)
    assert body == {
        "model": "speed",
        "messages": [
            {"role": "system", "content": MESSAGES[0][1]},
            {"role": "user", "content": MESSAGES[1][1]},
        ],
    }
    assert standin.requests[-1].path == "/chat/completions"
    headers = standin.requests[-1].headers
    assert headers["authorization"] == "Bearer standin-key"
    assert "openai-organization" not in headers


def test_chain_with_prompt(llm: ChatParallelWeb, standin: StandIn) -> None:
    prompt = ChatPromptTemplate(
        [
            (
                "system",
                "Provide comprehensive answers about {topic} with current data.",
            ),
            ("human", "{question}"),
        ]
    )
    msg = (prompt | llm).invoke(
        {"topic": "AI", "question": "Biggest 2025 breakthroughs?"}
    )
    assert "Biggest 2025 breakthroughs?" in msg.content
    assert sent(standin)["messages"][0]["content"].endswith(
        "about AI with current data."
    )


class _Tokens(BaseCallbackHandler):
    def __init__(self) -> None:
        self.tokens: list[str] = []
        self.chunks: list[Any] = []

    def on_llm_new_token(self, token: str, *, chunk: Any = None, **kwargs: Any) -> None:
        self.tokens.append(token)
        self.chunks.append(chunk)


def test_stream_token_level_with_callbacks(
    llm: ChatParallelWeb, standin: StandIn
) -> None:
    handler = _Tokens()
    chunks = list(llm.stream(MESSAGES, config={"callbacks": [handler]}))
    # Events that one read of the connection brings come as one chunk, so how
    # many chunks a fast local server yields varies; the text and its end do not.
    assert len(chunks) >= 2
    assert sent(standin)["stream"] is True
    assert "".join(handler.tokens) == "".join(c.text for c in chunks)
    assert all(c is not None for c in handler.chunks)
    assert chunks[-1].chunk_position == "last"
    # identifying keys arrive once, so merging does not concatenate them
    assert sum("model_name" in c.response_metadata for c in chunks) == 1
    full = merge_chunks(chunks)
    assert full.response_metadata["model_name"] == "speed"
    assert full.response_metadata["model_provider"] == "parallel"
    assert full.text == llm.invoke(MESSAGES).text


async def test_ainvoke_and_astream(llm: ChatParallelWeb) -> None:
    msg = await llm.ainvoke(MESSAGES)
    assert msg.response_metadata["finish_reason"] == "stop"
    chunks = [c async for c in llm.astream(MESSAGES)]
    # Events that pile up while the loop is busy come as one chunk, so how many
    # chunks a fast local server yields varies; the text and its end do not.
    assert len(chunks) >= 2
    assert chunks[-1].response_metadata["finish_reason"] == "stop"
    assert merge_chunks(chunks).text == msg.text


def test_streaming_flag_streams_invoke(standin: StandIn) -> None:
    llm = ChatParallelWeb(api_key="standin-key", base_url=standin.url, streaming=True)
    msg = llm.invoke(MESSAGES)
    assert sent(standin)["stream"] is True
    assert msg.response_metadata["model"] == "speed"


def test_batch_and_abatch(llm: ChatParallelWeb, standin: StandIn) -> None:
    questions = [f"question {i}" for i in range(6)]
    answers = llm.batch(questions, config={"max_concurrency": 3})
    assert [q in a.content for q, a in zip(questions, answers, strict=True)] == [
        True
    ] * 6


async def test_abatch(llm: ChatParallelWeb) -> None:
    answers = await llm.abatch([f"q{i}" for i in range(6)])
    assert [f"q{i}" in a.content for i, a in enumerate(answers)] == [True] * 6


def test_content_parts_arrive_as_one_string_and_name_as_name(
    llm: ChatParallelWeb, standin: StandIn
) -> None:
    llm.invoke(
        [
            HumanMessage(
                content=["Hello ", {"type": "text", "text": "there"}], name="ada"
            )
        ]
    )
    assert sent(standin)["messages"] == [
        {"role": "user", "content": "Hello \nthere", "name": "ada"}
    ]


def test_image_never_leaves_the_process(llm: ChatParallelWeb, standin: StandIn) -> None:
    image = {"type": "image_url", "image_url": {"url": "https://x/cat.png"}}
    with pytest.raises(InputError, match="text only"):
        llm.invoke([HumanMessage(content=[{"type": "text", "text": "What?"}, image])])
    with pytest.raises(InputError):
        list(llm.stream([HumanMessage(content=[image])]))
    assert standin.requests == []


def test_merged_system_messages_on_the_wire(
    llm: ChatParallelWeb, standin: StandIn
) -> None:
    llm.invoke(
        [
            SystemMessage("You are a helpful assistant."),
            SystemMessage("Always be polite and concise."),
            HumanMessage("What is the weather like today?"),
        ]
    )
    roles = [m["role"] for m in sent(standin)["messages"]]
    assert roles == ["system", "user"]


def test_per_call_arguments(llm: ChatParallelWeb, standin: StandIn) -> None:
    llm.invoke(MESSAGES, model="lite", previous_interaction_id="trun_1", seed=7)
    body = sent(standin)
    assert (body["model"], body["previous_interaction_id"], body["seed"]) == (
        "lite",
        "trun_1",
        7,
    )
    with pytest.raises(InputError, match=r"Unknown call argument.*colour"):
        llm.invoke(MESSAGES, colour="blue")
    with pytest.raises(InputError, match="gpt-4o"):
        llm.invoke(MESSAGES, model="gpt-4o")


def test_timeout_reaches_the_client(standin: StandIn) -> None:
    standin.inject(Fault("slow", delay=3))
    llm = ChatParallelWeb(
        api_key="standin-key", base_url=standin.url, timeout=1, max_retries=0
    )
    started = time.monotonic()
    with pytest.raises(APITimeoutError, match=r"timed out.*timeout=1 s"):
        llm.invoke(MESSAGES)
    # It gave up on its own, before the server's 3-second answer.
    assert time.monotonic() - started < 2.9


@pytest.mark.parametrize("retries", [0, 1, 3])
def test_max_retries_makes_n_plus_one_attempts(standin: StandIn, retries: int) -> None:
    standin.inject(Fault("status", status=500, retry_after="0.01", sticky=True))
    llm = ChatParallelWeb(
        api_key="standin-key", base_url=standin.url, max_retries=retries
    )
    with pytest.raises(ServerError):
        llm.invoke(MESSAGES)
    assert len(standin.requests) == retries + 1


def test_clients_shared_per_configuration(standin: StandIn) -> None:
    reset_clients()
    first = ChatParallelWeb(api_key="standin-key", base_url=standin.url)
    second = ChatParallelWeb(api_key="standin-key", base_url=standin.url)
    first.invoke("a")
    second.invoke("b")
    assert cached_client_count() == 1
    third = ChatParallelWeb(api_key="standin-key", base_url=standin.url, timeout=30)
    third.invoke("c")
    assert cached_client_count() == 2
    config = first._client_config("speed")
    assert sync_client(config) is sync_client(second._client_config("speed"))
    assert standin.connections == 2  # one keep-alive connection per client


def test_key_never_in_repr_str_or_serialized() -> None:
    llm = ChatParallelWeb(api_key="sk-canary-123")
    for text in (
        repr(llm),
        str(llm),
        dumps(llm),
        json.dumps(llm.asdict(), default=str),
    ):
        assert "sk-canary-123" not in text
    assert repr(llm._client_config("speed")).count("sk-canary") == 0


def test_ls_params() -> None:
    params = ChatParallelWeb(model="lite", temperature=0.1)._get_ls_params()
    assert params["ls_provider"] == "parallel"
    assert params["ls_model_name"] == "lite"


def test_bind_tools_refused_clearly() -> None:
    with pytest.raises(NotImplementedError, match="no tool calling") as info:
        ChatParallelWeb().bind_tools([{"type": "function", "function": {"name": "f"}}])
    assert isinstance(info.value, ParallelError)


def test_async_client_closed_when_its_loop_shuts_down(llm: ChatParallelWeb) -> None:
    config = llm._client_config("speed")

    async def use() -> Any:
        await llm.ainvoke("hi")
        client = await async_client(config)
        assert client is await async_client(config)  # shared within the loop
        return client

    first = asyncio.run(use())
    second = asyncio.run(use())
    assert first is not second  # a pool belongs to its loop
    assert first.is_closed()
    assert second.is_closed()
