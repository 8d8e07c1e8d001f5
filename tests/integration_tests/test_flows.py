"""The integration page's flows and the error statuses, replayed from cassettes."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk, HumanMessage, SystemMessage
from langchain_core.prompts import ChatPromptTemplate
from parallel_standin import Fault
from recording import TARGET

from langchain_parallel import ChatParallelWeb
from langchain_parallel import errors as E

pytestmark = pytest.mark.vcr

MESSAGES = [
    ("system", "You are a helpful assistant with access to real-time web information."),
    ("human", "What are the latest developments in AI?"),
]


def model(**kwargs: Any) -> ChatParallelWeb:
    return ChatParallelWeb(**{**TARGET.model_kwargs(), **kwargs})


def inject(*faults: Fault) -> None:
    if TARGET.standin is not None:
        TARGET.standin.inject(*faults)  # type: ignore[attr-defined]


def test_page_invoke() -> None:
    msg = model(model="speed").invoke(MESSAGES)
    assert msg.content
    assert msg.usage_metadata is None
    meta = msg.response_metadata
    assert meta["model"] == meta["model_name"] == "speed"
    assert meta["finish_reason"] == "stop"
    assert isinstance(meta["created"], int)


def test_page_chain() -> None:
    prompt = ChatPromptTemplate(
        [
            (
                "system",
                "You are a helpful research assistant with access to real-time web "
                "information. Provide comprehensive answers about {topic} with "
                "current data.",
            ),
            ("human", "{question}"),
        ]
    )
    msg = (prompt | model()).invoke(
        {
            "topic": "artificial intelligence",
            "question": "What are the most significant AI breakthroughs in 2025?",
        }
    )
    assert msg.response_metadata["finish_reason"] == "stop"


def test_page_stream() -> None:
    chunks = list(model().stream(MESSAGES))
    assert len(chunks) > 1
    full = chunks[0]
    for chunk in chunks[1:]:
        full = full + chunk
    assert isinstance(full, AIMessageChunk)
    assert full.content
    assert full.response_metadata["model_name"] == "speed"


async def test_page_async() -> None:
    llm = model()
    msg = await llm.ainvoke(MESSAGES)
    assert msg.content
    text = "".join([chunk.text async for chunk in llm.astream(MESSAGES)])
    assert text


def test_page_openai_compatible_parameters() -> None:
    llm = model(
        model="speed",
        response_format={"type": "json_object"},
        tools=[{"type": "function", "function": {"name": "example"}}],
        tool_choice="auto",
        top_p=1.0,
        frequency_penalty=0.0,
        presence_penalty=0.0,
        logit_bias={},
        seed=42,
        user="user-123",
    )
    assert llm.invoke([("human", "Reply with JSON: {'answer': ...}")]).content


def test_page_merged_system_messages() -> None:
    msg = model().invoke(
        [
            SystemMessage("You are a helpful assistant."),
            SystemMessage("Always be polite and concise."),
            HumanMessage("What is the weather like today?"),
        ]
    )
    assert msg.content


def test_page_error_bad_key() -> None:
    llm = model(api_key="invalid-key")
    with pytest.raises(ValueError, match=r"^Authentication failed") as info:
        llm.invoke([("human", "Hello")])
    assert isinstance(info.value, E.AuthenticationError)


@pytest.mark.standin_only
@pytest.mark.parametrize(
    ("status", "cls", "lead"),
    [
        (402, E.PaymentRequiredError, "Payment required"),
        (403, E.PermissionDeniedError, "Permission denied"),
        (429, E.RateLimitError, "Rate limit exceeded"),
        (500, E.ServerError, "Server error"),
        (503, E.ServerError, "Server error"),
    ],
)
def test_error_status(status: int, cls: type, lead: str) -> None:
    inject(Fault("status", status=status, retry_after="0.01", sticky=True))
    try:
        with pytest.raises(cls, match=f"^{lead} \\(HTTP {status}\\)") as info:
            model(max_retries=1).invoke([("human", f"Trigger {status}")])
    finally:
        if TARGET.standin is not None:
            TARGET.standin.clear()  # type: ignore[attr-defined]
    assert info.value.request_id  # redacted in cassettes, but still carried


@pytest.mark.standin_only
def test_failed_stream_raises() -> None:
    inject(Fault("stream_error", message="Research task failed", after=3))
    with pytest.raises(E.StreamError, match="Research task failed") as info:
        list(model(model="lite").stream([("human", "A research question")]))
    assert info.value.partial_content


def test_unknown_model_refused_before_any_request() -> None:
    with pytest.raises(E.ConfigError, match="speed, lite, base, core"):
        model(model="ultra")
