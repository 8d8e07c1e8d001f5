"""Errors fit LangChain's tree and openai's; the retry middleware reads them right."""

from __future__ import annotations

import pickle
import re
from pathlib import Path
from typing import Any

import openai
import pytest
from langchain.agents import create_agent
from langchain.agents.middleware import ModelRetryMiddleware
from langchain_core import exceptions as lc
from langchain_core.messages import HumanMessage
from parallel_standin import Fault, StandIn

from langchain_parallel import ChatParallelWeb
from langchain_parallel import errors as E

# class, LangChain's class, openai's class (None: only its base), retryable
TREE: list[tuple[type[Exception], type[Exception], type[Exception] | None, bool]] = [
    (E.ParallelError, lc.ModelError, None, False),
    (E.ConfigError, lc.ModelError, None, False),
    (E.MissingAPIKeyError, lc.ModelError, None, False),
    (E.InputError, lc.ModelInvalidRequestError, None, False),
    (E.ProviderError, lc.ModelError, None, False),
    (E.PluginLoadError, lc.ModelError, None, False),
    (E.UnsupportedFeatureError, lc.ModelError, None, False),
    (E.StructuredOutputError, lc.OutputParserException, None, False),
    (E.APIError, lc.ModelError, openai.APIError, False),
    (E.APIStatusError, lc.ModelError, openai.APIStatusError, False),
    (E.BadRequestError, lc.ModelInvalidRequestError, openai.BadRequestError, False),
    (
        E.AuthenticationError,
        lc.ModelAuthenticationError,
        openai.AuthenticationError,
        False,
    ),
    (E.PaymentRequiredError, lc.ModelError, openai.APIStatusError, False),
    (
        E.PermissionDeniedError,
        lc.ModelPermissionDeniedError,
        openai.PermissionDeniedError,
        False,
    ),
    (E.NotFoundError, lc.ModelNotFoundError, openai.NotFoundError, False),
    (E.RequestTimeoutError, lc.ModelTimeoutError, openai.APIStatusError, True),
    (
        E.UnprocessableEntityError,
        lc.ModelInvalidRequestError,
        openai.UnprocessableEntityError,
        False,
    ),
    (E.RateLimitError, lc.ModelRateLimitError, openai.RateLimitError, True),
    (E.ServerError, lc.ModelAPIError, openai.InternalServerError, True),
    (E.APIConnectionError, lc.ModelConnectionError, openai.APIConnectionError, True),
    (E.APITimeoutError, lc.ModelTimeoutError, openai.APITimeoutError, True),
    (E.StreamError, lc.ModelAPIError, openai.APIError, True),
    # Retrying after a spent budget starts a new run: the old one is collectable.
    (E.TaskRunTimeoutError, lc.ModelTimeoutError, openai.APITimeoutError, True),
    (E.TaskRunFailedError, lc.ModelError, openai.APIError, False),
    (
        E.APIResponseValidationError,
        lc.ModelError,
        openai.APIResponseValidationError,
        False,
    ),
]


def _instance(cls: type[Exception]) -> Exception:
    if issubclass(cls, E.APIStatusError):
        return cls("Boom", status_code=500)
    if cls is E.StructuredOutputError:
        return E.StructuredOutputError("Boom", raw="{")
    return cls("Boom")


def test_the_table_covers_every_class() -> None:
    exported = {
        getattr(E, name)
        for name in E.__all__
        if isinstance(getattr(E, name), type)
        and issubclass(getattr(E, name), Exception)
    }
    assert exported == {row[0] for row in TREE}


@pytest.mark.parametrize(("cls", "langchain_cls", "openai_cls", "retryable"), TREE)
def test_each_class_in_three_trees_and_the_retry_middlewares_view(
    cls: type[Exception],
    langchain_cls: type[Exception],
    openai_cls: type[Exception] | None,
    retryable: bool,
) -> None:
    error = _instance(cls)
    assert isinstance(error, E.ParallelError)
    assert isinstance(error, langchain_cls)
    assert isinstance(error, lc.ModelError)
    if openai_cls is not None:
        assert isinstance(error, openai_cls)
        assert isinstance(error, ValueError)  # the seed's contract for API errors
    else:
        assert not isinstance(error, openai.OpenAIError)
    assert error.is_retryable is retryable  # type: ignore[attr-defined]
    # What LangChain's ModelRetryMiddleware decides by default.
    assert ModelRetryMiddleware().retry_on(error) is retryable  # type: ignore[operator]


def test_messages_say_one_thing_each(standin: StandIn) -> None:
    standin.inject(Fault("status", status=429, message="Slow down", retry_after="3"))
    llm = ChatParallelWeb(api_key="standin-key", base_url=standin.url, max_retries=0)
    with pytest.raises(E.RateLimitError) as info:
        llm.invoke("Hello")
    error = info.value
    assert error.message == str(error)  # the sentence, as openai's `.message`
    assert error.message.startswith("Rate limit exceeded (HTTP 429): Slow down")
    assert error.server_message == "Slow down"  # the server's own words
    assert error.retry_after == 3
    assert error.status_code == 429
    assert error.response.status_code == 429  # openai's attributes are real
    assert error.request.url.path.endswith("/chat/completions")


@pytest.mark.parametrize(
    "catch",
    [lc.ModelAuthenticationError, openai.AuthenticationError, E.AuthenticationError],
)
def test_a_bad_key_is_caught_by_each_trees_class(
    standin: StandIn, catch: type[Exception]
) -> None:
    llm = ChatParallelWeb(api_key="wrong-key", base_url=standin.url, max_retries=0)
    with pytest.raises(catch) as info:
        llm.invoke("Hello")
    assert str(info.value).startswith("Authentication failed")
    assert isinstance(info.value, ValueError)


def _agent_with_retries(standin: StandIn, key: str = "standin-key") -> Any:
    llm = ChatParallelWeb(api_key=key, base_url=standin.url, max_retries=0)
    retry = ModelRetryMiddleware(max_retries=2, initial_delay=0, jitter=False)
    return create_agent(llm, tools=[], middleware=[retry])


def _posts(standin: StandIn) -> int:
    return sum(1 for seen in standin.requests if seen.method == "POST")


def test_retry_middleware_retries_a_rate_limit(standin: StandIn) -> None:
    standin.inject(Fault("status", status=429), Fault("status", status=503))
    result = _agent_with_retries(standin).invoke({"messages": [HumanMessage("Hello")]})
    assert result["messages"][-1].content  # the third attempt answered
    assert _posts(standin) == 3


def test_retry_middleware_does_not_retry_a_bad_key(standin: StandIn) -> None:
    agent = _agent_with_retries(standin, key="wrong-key")
    with pytest.raises(E.AuthenticationError):
        agent.invoke({"messages": [HumanMessage("Hello")]})
    assert _posts(standin) == 1


def test_retry_middleware_does_not_retry_refused_input(standin: StandIn) -> None:
    agent = _agent_with_retries(standin)
    image = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
    with pytest.raises(E.InputError):
        agent.invoke({"messages": [HumanMessage(content=[image])]})
    assert _posts(standin) == 0


def _readme_section(title: str) -> list[str]:
    text = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = text.split(f"### {title}\n", 1)[1].split("\n### ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)


def test_the_readmes_error_examples_run_as_written(
    standin: StandIn,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PARALLEL_BASE_URL", standin.url)
    monkeypatch.setenv("PARALLEL_MAX_RETRIES", "0")
    blocks = _readme_section("Error handling")
    assert len(blocks) == 2
    namespace: dict[str, Any] = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)
    # The second block again, with a good key: by LangChain's class, then openai's.
    namespace["llm"] = ChatParallelWeb(api_key="standin-key")
    standin.inject(Fault("status", status=429, retry_after="2"))
    exec(compile(blocks[1], "README.md", "exec"), namespace)
    standin.inject(Fault("status", status=500))
    exec(compile(blocks[1], "README.md", "exec"), namespace)
    printed = capsys.readouterr().out.splitlines()
    assert printed[:2] == [
        "Invalid API key provided",  # by ValueError
        "Invalid or missing API key.",  # by the package's class
    ]
    assert printed[2] == "retry after 2.0"  # by LangChain's class
    assert printed[3].startswith("500 req_standin_")  # by openai's class
    assert len(printed) == 4


def test_a_real_error_survives_pickling(standin: StandIn) -> None:
    """Process pools and checkpointers pickle errors; nothing is lost on the way."""
    standin.inject(Fault("status", status=429, message="Slow down", retry_after="3"))
    llm = ChatParallelWeb(api_key="standin-key", base_url=standin.url, max_retries=0)
    with pytest.raises(E.RateLimitError) as info:
        llm.invoke("Hello")
    copy = pickle.loads(pickle.dumps(info.value))
    assert type(copy) is E.RateLimitError
    assert str(copy) == str(info.value)
    assert (copy.status_code, copy.server_message, copy.retry_after) == (
        429,
        "Slow down",
        3,
    )
    assert copy.request_id == info.value.request_id
    assert copy.is_retryable


def test_a_pickled_error_holds_no_key(standin: StandIn) -> None:
    """A checkpoint of a failed step must not store the key sent with the request."""
    standin.inject(Fault("status", status=500))
    llm = ChatParallelWeb(api_key="standin-key", base_url=standin.url, max_retries=0)
    with pytest.raises(E.ServerError) as info:
        llm.invoke("Hello")
    assert info.value.request is not None  # kept in the process that raised it
    pickled = pickle.dumps(info.value)
    assert b"standin-key" not in pickled
    assert pickle.loads(pickled).request is None


@pytest.mark.parametrize(("cls", "langchain_cls", "openai_cls", "retryable"), TREE)
def test_every_class_pickles(
    cls: type[Exception],
    langchain_cls: type[Exception],
    openai_cls: type[Exception] | None,
    retryable: bool,
) -> None:
    error = _instance(cls)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is cls
    assert str(copy) == "Boom"


def test_ours_are_openai_errors_but_never_translated_twice() -> None:
    error = E.StreamError("The stream ended early", partial_content="Half")
    assert isinstance(error, openai.OpenAIError)  # so `except openai...` sees it
    assert not E.is_sdk_error(error)
    assert E.translate(error, 5.0, "ignored") is error
    assert error.partial_content == "Half"


@pytest.mark.parametrize("stream", [False, True])
def test_a_bad_200_is_caught_as_openai_would_raise_it(
    standin: StandIn, stream: bool
) -> None:
    standin.inject(Fault("malformed"))
    llm = ChatParallelWeb(api_key="standin-key", base_url=standin.url, max_retries=0)
    with pytest.raises(openai.APIResponseValidationError) as info:
        list(llm.stream("Hello")) if stream else llm.invoke("Hello")
    assert isinstance(info.value, E.APIResponseValidationError)
    assert info.value.status_code == 200
    assert not ModelRetryMiddleware().retry_on(info.value)  # type: ignore[operator]


def test_a_stream_error_of_ours_is_not_chained_to_itself(standin: StandIn) -> None:
    # Ours are `openai.APIError`s, which the transport catches: it must let them by.
    standin.inject(Fault("stream_error", after=1))
    llm = ChatParallelWeb(api_key="standin-key", base_url=standin.url, max_retries=0)
    with pytest.raises(E.StreamError) as info:
        list(llm.stream("Hello"))
    assert info.value.__cause__ is not info.value
    assert info.value.partial_content
