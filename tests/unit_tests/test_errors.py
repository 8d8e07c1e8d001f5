"""Every failure reaches the user as a typed, chained package error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import openai
import pytest
from parallel_standin import Fault, StandIn

from langchain_parallel import ChatParallelWeb, ParallelError
from langchain_parallel import errors as E

QUESTION = [("human", "Hello")]


@pytest.fixture
def llm(standin: StandIn) -> ChatParallelWeb:
    return ChatParallelWeb(api_key="standin-key", base_url=standin.url, max_retries=0)


def _invoke(llm: ChatParallelWeb) -> Any:
    return llm.invoke(QUESTION)


def _stream(llm: ChatParallelWeb) -> Any:
    return list(llm.stream(QUESTION))


async def _ainvoke(llm: ChatParallelWeb) -> Any:
    return await llm.ainvoke(QUESTION)


async def _astream(llm: ChatParallelWeb) -> Any:
    return [c async for c in llm.astream(QUESTION)]


SYNC: list[Callable[[ChatParallelWeb], Any]] = [_invoke, _stream]
ASYNC = [_ainvoke, _astream]

STATUSES = [
    (400, E.BadRequestError, "Bad request"),
    (401, E.AuthenticationError, "Authentication failed"),
    (402, E.PaymentRequiredError, "Payment required"),
    (403, E.PermissionDeniedError, "Permission denied"),
    (404, E.NotFoundError, "Not found"),
    (408, E.RequestTimeoutError, "Request timed out on the server"),
    (422, E.UnprocessableEntityError, "Invalid request"),
    (429, E.RateLimitError, "Rate limit exceeded"),
    (500, E.ServerError, "Server error"),
    (502, E.ServerError, "Server error"),
    (503, E.ServerError, "Server error"),
]


def _check(exc: E.APIStatusError, status: int, cls: type, lead: str) -> None:
    assert type(exc) is cls
    assert isinstance(exc, ValueError)
    assert isinstance(exc, ParallelError)
    assert str(exc).startswith(f"{lead} (HTTP {status})")
    assert exc.status_code == status
    assert isinstance(exc.__cause__, openai.APIStatusError)
    assert exc.request_id


@pytest.mark.parametrize("call", SYNC)
@pytest.mark.parametrize("shape", ["parallel", "fastapi", "openai"])
@pytest.mark.parametrize(("status", "cls", "lead"), STATUSES)
def test_status_errors_sync(
    llm: ChatParallelWeb,
    standin: StandIn,
    call: Any,
    shape: str,
    status: int,
    cls: type,
    lead: str,
) -> None:
    standin.inject(Fault("status", status=status, shape=shape, message="Boom here"))
    with pytest.raises(cls) as info:
        call(llm)
    _check(info.value, status, cls, lead)
    assert "Boom here" in str(info.value)
    assert "Boom here" in (info.value.server_message or "")


@pytest.mark.parametrize("call", ASYNC)
@pytest.mark.parametrize(("status", "cls", "lead"), STATUSES)
async def test_status_errors_async(
    llm: ChatParallelWeb, standin: StandIn, call: Any, status: int, cls: type, lead: str
) -> None:
    standin.inject(Fault("status", status=status, message="Boom here"))
    with pytest.raises(cls) as info:
        await call(llm)
    _check(info.value, status, cls, lead)


def test_page_example_bad_key(standin: StandIn) -> None:
    # The integration page's own pattern: catch ValueError, test the message.
    llm = ChatParallelWeb(api_key="invalid-key", base_url=standin.url)
    caught = ""
    try:
        llm.invoke([("human", "Hello")])
    except ValueError as e:
        caught = str(e)
    assert caught.startswith("Authentication failed")
    assert "invalid-key" not in caught


def test_parallel_error_body_gives_ref_id(
    llm: ChatParallelWeb, standin: StandIn
) -> None:
    standin.inject(Fault("status", status=402, message="No credit"))
    with pytest.raises(E.PaymentRequiredError) as info:
        llm.invoke(QUESTION)
    assert info.value.body == {
        "ref_id": "ref_standin",
        "message": "No credit",
        "detail": None,
    }


def test_unknown_model_422_lists_models(standin: StandIn) -> None:
    # ChatParallelWeb refuses unknown models itself; see what the server says.
    raw = openai.OpenAI(api_key="standin-key", base_url=standin.url, max_retries=0)
    with pytest.raises(openai.UnprocessableEntityError) as info:
        raw.chat.completions.create(model="gpt-4o", messages=[])
    raw.close()
    error = E.translate_sdk_error(info.value)
    assert isinstance(error, E.UnprocessableEntityError)
    assert str(error).startswith("Invalid request (HTTP 422): model: Input should be")
    assert "'speed', 'lite', 'base', 'core'" in str(error)


def test_rate_limit_retry_after(standin: StandIn) -> None:
    standin.inject(*[Fault("status", status=429, retry_after="0.2")] * 3)
    llm = ChatParallelWeb(api_key="standin-key", base_url=standin.url, max_retries=2)
    with pytest.raises(E.RateLimitError) as info:
        llm.invoke(QUESTION)
    assert info.value.retry_after == 0.2
    assert "Retry after 0.2 s" in str(info.value)
    assert len(standin.requests) == 3


def test_rate_limit_then_success(standin: StandIn) -> None:
    standin.inject(Fault("status", status=429, retry_after="0.05"))
    llm = ChatParallelWeb(api_key="standin-key", base_url=standin.url, max_retries=1)
    assert llm.invoke(QUESTION).content
    assert len(standin.requests) == 2


def test_html_error_page(llm: ChatParallelWeb, standin: StandIn) -> None:
    standin.inject(Fault("status", status=502, shape="html"))
    with pytest.raises(E.ServerError, match="HTML page, not the Parallel API"):
        llm.invoke(QUESTION)


def test_malformed_json_body(llm: ChatParallelWeb, standin: StandIn) -> None:
    standin.inject(Fault("malformed"))
    with pytest.raises(E.APIError, match="not JSON"):
        llm.invoke(QUESTION)


def test_connection_refused(standin: StandIn) -> None:
    llm = ChatParallelWeb(api_key="k", base_url="http://127.0.0.1:9", max_retries=0)
    with pytest.raises(E.APIConnectionError, match="Connection error") as info:
        llm.invoke(QUESTION)
    assert isinstance(info.value.__cause__, openai.APIConnectionError)


MIDSTREAM = [
    (Fault("stream_error", message="Task failed"), E.StreamError, "Task failed"),
    (Fault("stream_cut"), E.APIConnectionError, "incomplete"),
    (Fault("stream_truncated"), E.StreamError, "ended before the answer was complete"),
]


@pytest.mark.parametrize(("fault", "cls", "match"), MIDSTREAM)
def test_failed_stream_raises_sync(
    llm: ChatParallelWeb, standin: StandIn, fault: Fault, cls: type, match: str
) -> None:
    standin.inject(fault)
    received = []
    with pytest.raises(cls, match=match) as info:  # noqa: PT012 - fails mid-loop
        for chunk in llm.stream(QUESTION):
            received.append(chunk.text)
    assert received  # some text arrived first ...
    assert info.value.partial_content == "".join(received)  # ... and is kept
    # invoke with streaming=True fails the same way instead of returning part of it
    standin.inject(fault)
    with pytest.raises(cls):
        llm.model_copy(update={"streaming": True}).invoke(QUESTION)


@pytest.mark.parametrize(("fault", "cls", "match"), MIDSTREAM)
async def test_failed_stream_raises_async(
    llm: ChatParallelWeb, standin: StandIn, fault: Fault, cls: type, match: str
) -> None:
    standin.inject(fault)
    received = []
    with pytest.raises(cls, match=match) as info:  # noqa: PT012 - fails mid-loop
        async for chunk in llm.astream(QUESTION):
            received.append(chunk.text)
    assert received  # some text arrived first ...
    assert info.value.partial_content == "".join(received)  # ... and is kept


def test_read_timeout_mid_stream(standin: StandIn) -> None:
    standin.inject(Fault("stream_stall", delay=2.5, after=2))
    llm = ChatParallelWeb(
        api_key="standin-key", base_url=standin.url, timeout=1, max_retries=0
    )
    with pytest.raises(E.APITimeoutError, match="while reading the answer"):
        list(llm.stream(QUESTION))


def test_stream_without_done_but_final_chunk_is_complete(
    llm: ChatParallelWeb, standin: StandIn
) -> None:
    standin.chat.send_done = False  # Parallel's docs do not promise [DONE]
    chunks = list(llm.stream(QUESTION))
    assert chunks[-1].response_metadata["finish_reason"] == "stop"


def test_every_error_class_is_a_parallel_error() -> None:
    for name in E.__all__:
        obj = getattr(E, name)
        if isinstance(obj, type):
            assert issubclass(obj, E.ParallelError), name
