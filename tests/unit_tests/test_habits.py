"""ChatOpenAI habits: accepted where they mean something, refused with right advice."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import httpx
import httpx2
import parallel
import pytest
from langchain_core.messages import AIMessage, HumanMessage
from parallel_standin import Fault, StandIn

from langchain_parallel import ChatParallelWeb
from langchain_parallel._client import (
    ClientConfig,
    cached_client_count,
    parallel_client,
    reset_clients,
)
from langchain_parallel.errors import APITimeoutError, ConfigError, InputError

KEY = "standin-key"


def _posted(standin: StandIn) -> list[Any]:
    return [seen for seen in standin.requests if seen.method == "POST"]


def _header(seen: Any, name: str) -> str | None:
    return {k.lower(): v for k, v in seen.headers.items()}.get(name.lower())


def _llm(standin: StandIn, **kwargs: Any) -> ChatParallelWeb:
    return ChatParallelWeb(api_key=KEY, base_url=standin.url, **kwargs)


# --- model_name ---------------------------------------------------------------


def test_model_name_is_the_model(standin: StandIn) -> None:
    llm = _llm(standin, model_name="lite")
    assert llm.model == llm.model_name == "lite"
    llm.invoke("Hi")
    assert _posted(standin)[0].body["model"] == "lite"


def test_model_and_model_name_together_are_refused() -> None:
    with pytest.raises(ConfigError, match="not both"):
        ChatParallelWeb(api_key="k", model="speed", model_name="lite")


# --- default_headers and user-supplied HTTP clients -----------------------------


def test_default_headers_reach_every_kind_of_request(standin: StandIn) -> None:
    llm = _llm(standin, default_headers={"X-Team": "research"})
    llm.invoke("Hi")
    list(llm.stream("Hi"))
    assert [_header(s, "X-Team") for s in _posted(standin)] == ["research"] * 2
    assert "research" not in repr(llm)  # header values may be credentials


async def test_default_headers_reach_async_requests(standin: StandIn) -> None:
    llm = _llm(standin, default_headers={"X-Team": "research"})
    await llm.ainvoke("Hi")
    assert _header(_posted(standin)[0], "X-Team") == "research"


def test_models_with_other_headers_get_other_clients(standin: StandIn) -> None:
    _llm(standin, default_headers={"X-Team": "a"}).invoke("Hi")
    _llm(standin, default_headers={"X-Team": "b"}).invoke("Hi")
    assert [_header(s, "X-Team") for s in _posted(standin)] == ["a", "b"]


class _Counting(httpx2.HTTPTransport):
    """A custom transport, as a user would plug in (proxy, mTLS, logging...)."""

    def __init__(self) -> None:
        super().__init__()
        self.sent = 0

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        self.sent += 1
        return super().handle_request(request)


class _AsyncCounting(httpx2.AsyncHTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.sent = 0

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self.sent += 1
        return await super().handle_async_request(request)


def test_a_users_http_client_is_used_and_left_to_the_user(standin: StandIn) -> None:
    transport = _Counting()
    with httpx2.Client(transport=transport) as client:
        llm = _llm(standin, http_client=client)
        before = cached_client_count()
        assert llm.invoke("Hi").content
        assert "".join(str(c.content) for c in llm.stream("Hi"))
        assert transport.sent == 2
        assert cached_client_count() == before  # not in the shared cache
        reset_clients()
        assert not client.is_closed  # the package never closes the user's client
        assert llm.invoke("Again").content


async def test_a_users_async_client_is_used(standin: StandIn) -> None:
    transport = _AsyncCounting()
    async with httpx2.AsyncClient(transport=transport) as client:
        llm = _llm(standin, http_async_client=client)
        assert (await llm.ainvoke("Hi")).content
        assert [c async for c in llm.astream("Hi")]
        assert transport.sent == 2


class _CountingExecutor(ThreadPoolExecutor):
    """A loop's default executor that counts the work sent to its threads."""

    submitted = 0

    def submit(
        self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any
    ) -> Future[Any]:
        self.submitted += 1
        return super().submit(fn, *args, **kwargs)


async def _calls_sent_to_threads(llm: ChatParallelWeb) -> int:
    """How often an `ainvoke` and an `astream` of `llm` leave the event loop."""
    executor = _CountingExecutor(max_workers=1)
    asyncio.get_running_loop().set_default_executor(executor)
    assert (await llm.ainvoke("Hi")).content
    assert [c async for c in llm.astream("Hi")]
    return executor.submitted


# The SDK looks up the platform for its headers in a worker thread, once per
# client; a client around the user's own async client is built for each call, and
# each event loop has its own shared client. (The stand-in listens on an IP address:
# a host name is resolved in a worker thread for each new connection, as before.)


async def test_calls_through_a_users_async_client_make_no_thread_hop(
    standin: StandIn,
) -> None:
    async with httpx2.AsyncClient() as client:
        llm = _llm(standin, http_async_client=client)
        await llm.ainvoke("Learn the platform")
        assert await _calls_sent_to_threads(llm) == 0
    platforms = {_header(seen, "X-Stainless-OS") for seen in _posted(standin)}
    assert len(platforms) == 1  # the SDK's own answer, sent with every call
    assert None not in platforms


def test_a_new_event_loop_makes_no_thread_hop(standin: StandIn) -> None:
    llm = _llm(standin)
    asyncio.run(llm.ainvoke("Learn the platform"))
    assert asyncio.run(_calls_sent_to_threads(llm)) == 0  # a new loop, a new client


def test_a_user_client_is_not_shared_with_other_models(standin: StandIn) -> None:
    transport = _Counting()
    with httpx2.Client(transport=transport) as client:
        _llm(standin, http_client=client).invoke("Hi")
        _llm(standin).invoke("Hi")  # same settings, no client: the shared one
        assert transport.sent == 1


def test_an_httpx_client_is_refused_with_the_httpx2_recipe() -> None:
    with httpx.Client() as plain, pytest.raises(ConfigError) as info:
        ChatParallelWeb(api_key="k", http_client=plain)
    assert "must be an httpx2.Client" in str(info.value)
    assert "build it with httpx2.Client(proxy=..." in str(info.value)


async def test_an_httpx_async_client_is_refused_with_the_httpx2_recipe() -> None:
    async with httpx.AsyncClient() as plain:
        with pytest.raises(ConfigError, match=r"build it with httpx2\.AsyncClient"):
            ChatParallelWeb(api_key="k", http_async_client=plain)


def test_an_async_client_as_http_client_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"http_client must be an httpx2\.Client"):
        ChatParallelWeb(api_key="k", http_client=httpx2.AsyncClient())


def test_clients_are_not_serialized(standin: StandIn) -> None:
    from langchain_core.load import dumpd

    with httpx2.Client() as client:
        data = dumpd(_llm(standin, http_client=client, default_headers={"A": "b"}))
    assert "http_client" not in data["kwargs"]
    assert "default_headers" not in data["kwargs"]


# --- timeout per call -----------------------------------------------------------


def test_a_per_call_timeout_applies_to_that_call(standin: StandIn) -> None:
    llm = _llm(standin, max_retries=0, timeout=30)
    standin.inject(Fault("slow", delay=1.0))
    with pytest.raises(APITimeoutError, match=r"timeout=0\.2 s"):
        llm.invoke("Hi", timeout=0.2)
    standin.inject(Fault("slow", delay=0.3))
    assert llm.invoke("Hi").content  # the model's own timeout again


@pytest.mark.parametrize("timeout", [0, -1, "soon", True])
def test_a_bad_per_call_timeout_is_refused_before_any_request(
    standin: StandIn, timeout: object
) -> None:
    with pytest.raises(InputError, match="positive number of seconds"):
        _llm(standin).invoke("Hi", timeout=timeout)
    assert not _posted(standin)


# --- model_kwargs, extra_body and their order -----------------------------------


def test_sources_of_the_body_apply_in_the_written_order(standin: StandIn) -> None:
    llm = _llm(
        standin,
        temperature=0.1,
        seed=1,
        model_kwargs={"temperature": 0.2, "metadata": {"from": "model_kwargs"}},
        extra_body={"temperature": 0.3, "store": False},
    )
    llm.invoke("Hi", seed=2, extra_body={"store": True})
    body = _posted(standin)[0].body
    assert body["temperature"] == 0.3  # extra_body > model_kwargs > field
    assert body["metadata"] == {"from": "model_kwargs"}
    assert body["seed"] == 2  # the call beats the constructor
    assert body["store"] is True  # the call's extra_body beats the constructor's
    assert body["messages"] == [{"role": "user", "content": "Hi"}]


def test_stop_of_the_call_comes_last(standin: StandIn) -> None:
    llm = _llm(standin, stop=["a"], extra_body={"stop": ["b"]})
    llm.invoke("Hi", stop=["c"])
    assert _posted(standin)[0].body["stop"] == ["c"]


@pytest.mark.parametrize("source", ["model_kwargs", "extra_body"])
@pytest.mark.parametrize("field", ["model", "messages", "stream"])
def test_reserved_fields_are_refused_in_the_constructor(
    source: str, field: str
) -> None:
    with pytest.raises(ConfigError, match=f"{source} may not set '{field}'"):
        ChatParallelWeb(api_key="k", **{source: {field: "core"}})


@pytest.mark.parametrize("field", ["model", "messages", "stream"])
def test_reserved_fields_are_refused_in_a_calls_extra_body(
    standin: StandIn, field: str
) -> None:
    with pytest.raises(InputError, match=f"may not set '{field}'"):
        _llm(standin).invoke("Hi", extra_body={field: []})
    assert not _posted(standin)


def test_chain_interactions_fills_in_only_when_no_source_did(
    standin: StandIn,
) -> None:
    earlier = AIMessage("Old", response_metadata={"interaction_id": "int_old"})
    history = [HumanMessage("Q"), earlier, HumanMessage("More")]
    llm = _llm(standin, chain_interactions=True)
    llm.invoke(history)
    llm.invoke(history, previous_interaction_id="int_mine")
    bodies = [s.body for s in _posted(standin)]
    assert [b["previous_interaction_id"] for b in bodies] == ["int_old", "int_mine"]


# --- what is refused, and the advice given ------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "advice"),
    [
        ({"openai_api_key": "k"}, "use api_key= or the PARALLEL_API_KEY"),
        ({"openai_api_base": "u"}, "use base_url= or the PARALLEL_BASE_URL"),
        ({"request_timeout": 5}, "use timeout="),
        ({"openai_proxy": "http://proxy"}, r"http_client=httpx2.Client\(proxy=...\)"),
        ({"n": 2}, "one answer per request"),
        ({"reasoning_effort": "high"}, "pick the model"),
        ({"temprature": 0}, "did you mean temperature"),
    ],
)
def test_chat_openai_arguments_get_advice_that_fits(
    kwargs: dict[str, Any], advice: str
) -> None:
    with pytest.raises(ConfigError, match=advice) as info:
        ChatParallelWeb(api_key="k", **kwargs)
    message = str(info.value)
    for accepted in ("api_key", "base_url", "timeout", "model_kwargs", "extra_body"):
        assert accepted in message


def test_an_unknown_call_argument_names_what_a_call_takes(standin: StandIn) -> None:
    with pytest.raises(InputError, match="logprobs") as info:
        _llm(standin).invoke("Hi", logprobs=True)
    assert "no log probabilities" in str(info.value)
    assert "timeout" in str(info.value)
    assert not _posted(standin)


# --- get_num_tokens -------------------------------------------------------------


def test_token_counts_are_approximate_and_need_no_extra_package() -> None:
    llm = ChatParallelWeb(api_key="k")
    assert llm.get_num_tokens("") == 0
    assert llm.get_num_tokens("abcd" * 25) == 25
    assert llm.get_num_tokens("abcde") == 2  # rounds up
    short = llm.get_num_tokens_from_messages([HumanMessage("Hi")])
    long = llm.get_num_tokens_from_messages([HumanMessage("Hi " * 400)])
    assert 0 < short < long
    assert long == pytest.approx(1200 / 4, rel=0.05)


def test_a_users_tokenizer_is_respected() -> None:
    llm = ChatParallelWeb(api_key="k", custom_get_token_ids=lambda t: [0] * len(t))
    assert llm.get_num_tokens("abcd") == 4


def test_counting_tokens_of_tools_is_refused() -> None:
    with pytest.raises(NotImplementedError, match="no tool calling"):
        ChatParallelWeb(api_key="k").get_num_tokens_from_messages(
            [HumanMessage("Hi")], tools=[{"name": "f"}]
        )


def test_a_calls_extra_body_must_be_a_dict(standin: StandIn) -> None:
    with pytest.raises(InputError, match="extra_body must be a dict"):
        _llm(standin).invoke("Hi", extra_body=["store"])
    assert not _posted(standin)


def _config(standin: StandIn, **changes: Any) -> ClientConfig:
    return ClientConfig(
        api_key=KEY, base_url=standin.url, timeout=5.0, max_retries=0, **changes
    )


def test_default_headers_reach_the_parallel_web_clients(standin: StandIn) -> None:
    client = parallel_client(_config(standin, default_headers=(("X-Team", "r"),)))
    with pytest.raises(parallel.NotFoundError):
        client.get("/v1/nowhere", cast_to=object)
    assert _header(standin.requests[-1], "X-Team") == "r"


def test_parallel_web_clients_refuse_an_httpx2_client(standin: StandIn) -> None:
    with httpx2.Client() as client, pytest.raises(ConfigError, match="parallel-web"):
        parallel_client(_config(standin, http_client=client))
