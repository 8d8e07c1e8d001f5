"""Search and extract tools and the retriever, against the stand-in.

Every request the stand-in receives in this module is checked after each test
against the `parallel-web` SDK's request types (`ClientSearchParams`,
`ClientExtractParams`) and against the OpenAPI document's rules where the two
disagree (the document's modes are `basic` and `advanced` only); the stand-in
itself answers 422 to any body the document refuses.
"""

from __future__ import annotations

import datetime as dt
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import parallel
import pytest
from langchain_core.messages import ToolMessage
from langchain_core.utils.function_calling import convert_to_openai_tool
from parallel.types import ExtractResponse, SearchResult
from parallel_standin import Fault, StandIn
from web_spec import ADAPTERS, assert_fits_the_spec

import langchain_parallel
from langchain_parallel import (
    FetchPolicy,
    ParallelExtractTool,
    ParallelSearchRetriever,
    ParallelSearchTool,
    ParallelWebSearchTool,
    SourcePolicy,
)
from langchain_parallel import errors as E
from langchain_parallel._client import cached_client_count
from langchain_parallel.registry import load_tool

KEY = "standin-key"


@pytest.fixture(autouse=True)
def _requests_fit_the_spec(standin: StandIn) -> Iterator[None]:
    yield
    for seen in standin.requests:
        if seen.path in ADAPTERS:
            assert_fits_the_spec(seen.path, seen.body)


@pytest.fixture
def connected(standin: StandIn, monkeypatch: pytest.MonkeyPatch) -> StandIn:
    """Tools built with no arguments reach the stand-in, as with real settings."""
    monkeypatch.setenv("PARALLEL_API_KEY", KEY)
    monkeypatch.setenv("PARALLEL_BASE_URL", standin.url)
    return standin


def bodies(standin: StandIn, path: str) -> list[Any]:
    return [seen.body for seen in standin.requests if seen.path == path]


# --- search -----------------------------------------------------------------


def test_search_invoked_with_a_dict_returns_the_earlier_shape(
    connected: StandIn,
) -> None:
    result = ParallelSearchTool().invoke(
        {"search_queries": ["renewable energy 2026"], "max_results": 3}
    )
    assert set(result) == {
        "search_id",
        "session_id",
        "results",
        "warnings",
        "usage",
        "search_metadata",
    }
    assert result["search_id"].startswith("search_")
    assert len(result["results"]) == 3
    for item in result["results"]:
        assert {"url", "title", "publish_date", "excerpts"} <= set(item)
        assert item["excerpts"]
        assert item["url"].startswith("https://")
    assert result["search_metadata"]["actual_results_returned"] == 3


def test_include_metadata_false_leaves_search_metadata_out(connected: StandIn) -> None:
    result = ParallelSearchTool().invoke(
        {"search_queries": ["ai"], "include_metadata": False}
    )
    assert "search_metadata" not in result


def test_a_tool_call_gives_the_model_text_and_keeps_the_answer(
    connected: StandIn,
) -> None:
    message = ParallelSearchTool().invoke(
        {
            "name": "parallel_web_search",
            "args": {"search_queries": ["ai agents"], "max_results": 2},
            "id": "call_1",
            "type": "tool_call",
        }
    )
    assert isinstance(message, ToolMessage)
    assert isinstance(message.content, str)
    for item in message.artifact["results"]:
        assert item["url"] in message.content
        assert item["excerpts"][0] in message.content
    assert message.artifact["search_id"] in message.content


def test_every_argument_lands_where_the_v1_api_takes_it(connected: StandIn) -> None:
    ParallelWebSearchTool().invoke(
        {
            "objective": "Find recent solar research",
            "search_queries": ["solar cells 2026", "perovskite efficiency"],
            "max_results": 7,
            "excerpts": {"max_chars_per_result": 1500},
            "max_chars_total": 9000,
            "mode": "basic",
            "source_policy": SourcePolicy(
                include_domains=["nature.com"],
                exclude_domains=["reddit.com"],
                after_date="2025-01-01",
            ),
            "fetch_policy": FetchPolicy(max_age_seconds=86400, timeout_seconds=60),
            "location": "us",
            "client_model": "claude-opus-4-7",
            "session_id": "session_abc",
        }
    )
    assert bodies(connected, "/v1/search") == [
        {
            "search_queries": ["solar cells 2026", "perovskite efficiency"],
            "objective": "Find recent solar research",
            "mode": "basic",
            "max_chars_total": 9000,
            "client_model": "claude-opus-4-7",
            "session_id": "session_abc",
            "advanced_settings": {
                "source_policy": {
                    "include_domains": ["nature.com"],
                    "exclude_domains": ["reddit.com"],
                    "after_date": "2025-01-01",
                },
                "fetch_policy": {
                    "max_age_seconds": 86400,
                    "timeout_seconds": 60.0,
                    "disable_cache_fallback": False,
                },
                "excerpt_settings": {"max_chars_per_result": 1500},
                "location": "us",
                "max_results": 7,
            },
        }
    ]


def test_instance_defaults_apply_and_a_call_overrides_them(
    connected: StandIn,
) -> None:
    tool = ParallelSearchTool(
        max_results=4, mode="basic", source_policy={"include_domains": ["a.org"]}
    )
    first = tool.invoke({"search_queries": ["q one", "q two"]})
    second = tool.invoke(
        {"search_queries": ["q"], "max_results": 2, "mode": "advanced"}
    )
    assert len(first["results"]) == 4
    assert all("a.org" in r["url"] for r in first["results"])
    assert len(second["results"]) == 2
    sent = bodies(connected, "/v1/search")
    assert sent[0]["mode"] == "basic"
    assert sent[1]["mode"] == "advanced"
    assert sent[1]["advanced_settings"]["source_policy"] == {
        "include_domains": ["a.org"]
    }


def test_an_objective_alone_is_also_sent_as_the_query(connected: StandIn) -> None:
    objective = "What are the latest developments in AI agents? " * 6
    ParallelSearchTool().invoke({"objective": objective})
    (body,) = bodies(connected, "/v1/search")
    assert body["objective"] == objective.strip()
    (query,) = body["search_queries"]
    assert objective.startswith(query)
    assert len(query) <= 200


@pytest.mark.parametrize(
    ("legacy", "sent"),
    [
        ("fast", "basic"),
        ("one-shot", "basic"),
        ("turbo", "basic"),
        ("agentic", "advanced"),
    ],
)
def test_legacy_modes_are_mapped_with_a_deprecation_warning(
    connected: StandIn, legacy: str, sent: str
) -> None:
    with pytest.warns(DeprecationWarning, match=f"mode='{sent}'"):
        ParallelSearchTool().invoke({"search_queries": ["x"], "mode": legacy})
    assert bodies(connected, "/v1/search")[0]["mode"] == sent


async def test_async_search(connected: StandIn) -> None:
    tool = ParallelSearchTool()
    result = await tool.ainvoke({"search_queries": ["async search"], "max_results": 2})
    assert len(result["results"]) == 2
    message = await tool.ainvoke(
        {
            "name": tool.name,
            "args": {"search_queries": ["a"]},
            "id": "1",
            "type": "tool_call",
        }
    )
    assert isinstance(message, ToolMessage)
    assert message.artifact["results"]


def test_warnings_reach_the_caller_and_the_model(connected: StandIn) -> None:
    tool = ParallelSearchTool(location="zz")
    result = tool.invoke({"search_queries": ["x"]})
    assert result["warnings"][0]["type"] == "input_validation_warning"
    message = tool.invoke(
        {
            "name": tool.name,
            "args": {"search_queries": ["x"]},
            "id": "1",
            "type": "tool_call",
        }
    )
    assert "Unsupported location" in message.content


# --- bad input: refused before any request ---------------------------------


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ({}, "search_queries"),
        ({"search_queries": [], "objective": "  "}, "objective"),
        ({"search_queries": ["ok", ""]}, "empty string"),
        ({"search_queries": ["x"], "mode": "turbo-max"}, "'basic'"),
        ({"search_queries": ["x"], "max_results": 0}, "max_results"),
        (
            {"search_queries": ["x"], "source_policy": {"after_date": "May 1"}},
            "YYYY-MM-DD",
        ),
        ({"search_queries": ["x"], "source_policy": {"domains": ["a"]}}, "domains"),
        ({"search_queries": ["x"], "fetch_policy": {"max_age_seconds": 60}}, "600"),
    ],
)
def test_bad_search_input_is_refused_before_sending(
    connected: StandIn, args: dict[str, Any], says: str
) -> None:
    with pytest.raises(E.InputError, match=says):
        ParallelSearchTool().invoke(args)
    assert connected.requests == []


def test_an_unknown_default_mode_is_refused_at_construction() -> None:
    with pytest.raises(E.ConfigError, match="mode: Unknown search mode 'fastest'"):
        ParallelSearchTool(api_key=KEY, mode="fastest")


@pytest.mark.parametrize(
    ("urls", "says"),
    [
        ([], "urls is empty"),
        (["notaurl"], "Not a web URL: 'notaurl'"),
        (["ftp://example.com/file"], "Not a web URL"),
        (["https://"], "Not a web URL"),
        ("https://example.com", "urls: Input should be a valid list"),
        ([f"https://example.com/{i}" for i in range(21)], "at most 20"),
    ],
)
def test_bad_urls_are_refused_before_sending(
    connected: StandIn, urls: Any, says: str
) -> None:
    with pytest.raises(E.InputError, match=says):
        ParallelExtractTool().invoke({"urls": urls})
    assert connected.requests == []


def test_a_missing_key_names_the_variable_and_sends_nothing(standin: StandIn) -> None:
    tool = ParallelSearchTool(base_url=standin.url)  # building needs no key
    with pytest.raises(E.MissingAPIKeyError, match="PARALLEL_API_KEY"):
        tool.invoke({"search_queries": ["x"]})
    assert standin.requests == []


def test_bad_settings_are_config_errors() -> None:
    with pytest.raises(E.ConfigError, match=r"Unknown argument\(s\) \['k'\]"):
        ParallelSearchRetriever(api_key=KEY, k=3)
    with pytest.raises(E.ConfigError, match="search_objective"):
        ParallelExtractTool(api_key=KEY, search_objective="x")
    with pytest.raises(E.ConfigError, match="base_url"):
        ParallelExtractTool(api_key=KEY, base_url="api.parallel.ai")
    with pytest.raises(E.ConfigError, match="timeout"):
        ParallelSearchRetriever(api_key=KEY, timeout=-1)


# --- extract ----------------------------------------------------------------


def test_a_failed_url_is_reported_in_its_entry(connected: StandIn) -> None:
    urls = [
        "https://this-domain-does-not-exist-12345.com/",
        "https://en.wikipedia.org/wiki/Python_(programming_language)",
        "https://example.com/404/gone",
    ]
    result = ParallelExtractTool().invoke({"urls": urls})
    assert [entry["url"] for entry in result] == urls  # in the order asked
    dns, ok, gone = result
    assert dns["error_type"] == "fetch_error"
    assert dns["http_status_code"] is None
    assert gone["http_status_code"] == 404
    assert gone["content"].startswith("Error:")
    assert "error_type" not in ok
    assert ok["content"] == "\n\n".join(ok["excerpts"])


def test_extract_maps_its_arguments(connected: StandIn) -> None:
    result = ParallelExtractTool(max_chars_per_extract=300).invoke(
        {
            "urls": ["https://example.com/a"],
            "search_objective": "main applications",
            "search_queries": ["uses"],
            "excerpts": {"max_chars_per_result": 2000},
            "full_content": True,
            "fetch_policy": {"max_age_seconds": 86400, "disable_cache_fallback": True},
            "max_chars_total": 5000,
            "client_model": "gpt-5.4",
            "session_id": "session_1",
        }
    )
    assert bodies(connected, "/v1/extract") == [
        {
            "urls": ["https://example.com/a"],
            "objective": "main applications",
            "search_queries": ["uses"],
            "max_chars_total": 5000,
            "client_model": "gpt-5.4",
            "session_id": "session_1",
            "advanced_settings": {
                "fetch_policy": {
                    "max_age_seconds": 86400,
                    "disable_cache_fallback": True,
                },
                "excerpt_settings": {"max_chars_per_result": 2000},
                "full_content": {"max_chars_per_result": 300},
            },
        }
    ]
    (page,) = result
    assert len(page["full_content"]) == 300
    assert page["content"] == page["full_content"]


def test_excerpts_false_leaves_excerpts_out_of_the_answer(connected: StandIn) -> None:
    (page,) = ParallelExtractTool().invoke(
        {"urls": ["https://example.com/a"], "excerpts": False, "full_content": True}
    )
    assert "excerpts" not in page
    assert page["content"] == page["full_content"]
    # v1 has no switch to turn excerpts off: nothing about them is sent.
    assert "advanced_settings" in bodies(connected, "/v1/extract")[0]
    assert bodies(connected, "/v1/extract")[0]["advanced_settings"] == {
        "full_content": True
    }


def test_objective_and_search_objective_must_agree(connected: StandIn) -> None:
    with pytest.raises(E.InputError, match="not both"):
        ParallelExtractTool().invoke(
            {"urls": ["https://a.com"], "objective": "x", "search_objective": "y"}
        )
    assert connected.requests == []


async def test_async_extract_as_a_tool_call(connected: StandIn) -> None:
    tool = ParallelExtractTool()
    message = await tool.ainvoke(
        {
            "name": tool.name,
            "args": {"urls": ["https://example.com/ok", "https://down.invalid/"]},
            "id": "call_9",
            "type": "tool_call",
        }
    )
    assert isinstance(message, ToolMessage)
    assert "FAILED https://down.invalid/" in message.content
    assert "URL: https://example.com/ok" in message.content
    assert [e["url"] for e in message.artifact] == [
        "https://example.com/ok",
        "https://down.invalid/",
    ]


# --- retriever --------------------------------------------------------------


def test_retriever_returns_documents_with_metadata(connected: StandIn) -> None:
    retriever = ParallelSearchRetriever(
        max_results=3,
        objective="Peer-reviewed work",
        source_policy=SourcePolicy(include_domains=["arxiv.org"]),
    )
    docs = retriever.invoke("protein folding")
    assert len(docs) == 3
    for doc in docs:
        assert set(doc.metadata) == {
            "url",
            "title",
            "publish_date",
            "search_id",
            "excerpts",
            "query",
        }
        assert doc.metadata["url"].startswith("https://arxiv.org/")
        assert doc.page_content == "\n\n".join(doc.metadata["excerpts"])
    (body,) = bodies(connected, "/v1/search")
    assert body["search_queries"] == ["protein folding"]
    assert body["objective"] == "Peer-reviewed work"


async def test_retriever_takes_per_call_overrides(connected: StandIn) -> None:
    retriever = ParallelSearchRetriever()
    assert len(await retriever.ainvoke("q", max_results=1)) == 1
    assert len(retriever.invoke("q", mode="basic", max_results=2)) == 2
    with pytest.raises(E.InputError, match="Unknown argument"):
        retriever.invoke("q", k=3)
    with pytest.raises(E.InputError, match="empty"):
        retriever.invoke("   ")
    assert len(connected.requests) == 2


# --- errors from the API ----------------------------------------------------


def test_api_errors_become_the_package_errors_chained(connected: StandIn) -> None:
    connected.inject(Fault("status", status=429, retry_after="3", shape="parallel"))
    tool = ParallelSearchTool(max_retries=0)
    with pytest.raises(E.RateLimitError) as info:
        tool.invoke({"search_queries": ["x"]})
    error = info.value
    assert str(error).startswith("Rate limit exceeded")
    assert error.retry_after == 3
    assert error.server_message == "Injected failure"
    assert error.message == str(error)
    assert isinstance(error.__cause__, parallel.RateLimitError)


def test_a_wrong_key_is_an_authentication_error(
    connected: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARALLEL_API_KEY", "wrong-key")
    with pytest.raises(E.AuthenticationError, match="Authentication failed"):
        ParallelExtractTool().invoke({"urls": ["https://example.com"]})


async def test_a_dead_server_is_a_connection_error() -> None:
    retriever = ParallelSearchRetriever(
        api_key=KEY, base_url="http://127.0.0.1:9", max_retries=0
    )
    with pytest.raises(E.APIConnectionError):
        await retriever.ainvoke("x")


def test_the_stand_in_refuses_what_the_document_refuses(standin: StandIn) -> None:
    standin_url = standin.url
    bad = [
        {"objective": "no queries"},
        {"search_queries": ["x"], "mode": "turbo"},
        {"search_queries": ["x"], "max_results": 3},  # belongs in advanced_settings
    ]
    for body in bad:
        answer = httpx.post(
            f"{standin_url}/v1/search", json=body, headers={"x-api-key": KEY}
        )
        assert answer.status_code == 422
        assert answer.json()["type"] == "error"
    standin.requests.clear()  # these were meant to be invalid


def test_a_validation_error_reads_well(connected: StandIn) -> None:
    # A body the document refuses, sent past our checks: the server's words arrive.
    client = parallel.Parallel(api_key=KEY, base_url=connected.url, max_retries=0)
    with pytest.raises(parallel.UnprocessableEntityError) as info:
        client.search(search_queries=["x"], mode="turbo")
    error = E.translate(info.value)
    assert isinstance(error, E.UnprocessableEntityError)
    assert "mode: Input should be 'basic' or 'advanced'" in str(error)
    assert error.request_id is not None
    assert error.request_id.startswith("req_standin_")
    connected.requests.clear()


def test_stand_in_answers_fit_the_sdk_response_models(standin: StandIn) -> None:
    headers = {"x-api-key": KEY}
    search = httpx.post(
        f"{standin.url}/v1/search",
        json={
            "search_queries": ["a", "b"],
            "mode": "basic",
            "advanced_settings": {"max_results": 12, "location": "xx"},
        },
        headers=headers,
    ).json()
    parsed = SearchResult.model_validate(search)
    assert len(parsed.results) == 12
    assert parsed.warnings
    assert parsed.usage
    extract = httpx.post(
        f"{standin.url}/v1/extract",
        json={
            "urls": ["https://example.com/x", "https://example.com/500"],
            "advanced_settings": {"full_content": True},
        },
        headers=headers,
    ).json()
    parsed_extract = ExtractResponse.model_validate(extract)
    assert parsed_extract.results[0].full_content
    assert parsed_extract.errors[0].http_status_code == 500


# --- shape of what a model sees, sharing, names ------------------------------


@pytest.mark.parametrize("tool", [ParallelSearchTool, ParallelExtractTool])
def test_tool_schemas_are_valid_for_openai_and_anthropic(tool: type[Any]) -> None:
    spec = convert_to_openai_tool(tool(api_key=KEY))["function"]
    assert spec["name"] in ("parallel_web_search", "parallel_extract")
    parameters = spec["parameters"]
    assert parameters["type"] == "object"
    assert parameters["required"]  # the queries or the URLs
    assert "$ref" not in str(parameters)
    assert "$defs" not in parameters
    for name, prop in parameters["properties"].items():
        assert 0 < len(prop["description"]) <= 80, name
    # Anthropic takes the same JSON schema as `input_schema`; it needs an object
    # schema and a name of at most 64 characters from [a-zA-Z0-9_-].
    anthropic = {"name": spec["name"], "input_schema": parameters}
    assert anthropic["input_schema"]["type"] == "object"
    assert len(anthropic["name"]) <= 64
    # A model is not asked for plumbing (timeouts, client-side metadata).
    assert {"timeout", "include_metadata", "client_model"}.isdisjoint(
        parameters["properties"]
    )


def test_tools_and_retriever_share_one_client(connected: StandIn) -> None:
    ParallelSearchTool().invoke({"search_queries": ["x"]})
    ParallelExtractTool().invoke({"urls": ["https://example.com"]})
    ParallelSearchRetriever().invoke("x")
    assert cached_client_count() == 1


def test_names_of_the_earlier_integration_are_exported() -> None:
    assert ParallelWebSearchTool is ParallelSearchTool
    for name in (
        "ParallelSearchTool",
        "ParallelWebSearchTool",
        "ParallelExtractTool",
        "ParallelSearchRetriever",
        "SourcePolicy",
        "ExcerptSettings",
        "FetchPolicy",
        "FullContentSettings",
    ):
        assert name in langchain_parallel.__all__
        assert getattr(langchain_parallel, name)


def test_after_date_accepts_a_date_and_sends_iso(connected: StandIn) -> None:
    ParallelSearchTool().invoke(
        {"search_queries": ["x"], "source_policy": {"after_date": dt.date(2025, 3, 1)}}
    )
    body = bodies(connected, "/v1/search")[0]
    assert body["advanced_settings"]["source_policy"] == {"after_date": "2025-03-01"}


def test_a_models_bad_arguments_come_back_to_it(connected: StandIn) -> None:
    tool = ParallelExtractTool()
    message = tool.invoke(
        {"name": tool.name, "args": {"urls": ["www.x"]}, "id": "c", "type": "tool_call"}
    )
    assert isinstance(message, ToolMessage)
    assert message.status == "error"
    assert "Not a web URL: 'www.x'" in message.content
    assert connected.requests == []


def test_a_per_call_timeout_bounds_the_request(connected: StandIn) -> None:
    connected.inject(Fault("slow", delay=1.0))
    tool = ParallelSearchTool(max_retries=0)
    with pytest.raises(E.APITimeoutError, match=r"timeout=0\.2"):
        tool.invoke({"search_queries": ["x"], "timeout": 0.2})


def test_the_key_stays_out_of_repr_and_str() -> None:
    for thing in (
        ParallelSearchTool(api_key="sk-secret-123"),
        ParallelExtractTool(api_key="sk-secret-123"),
        ParallelSearchRetriever(api_key="sk-secret-123"),
    ):
        assert "sk-secret-123" not in repr(thing)
        assert "sk-secret-123" not in str(thing)


async def test_a_broken_answer_is_an_api_error(connected: StandIn) -> None:
    connected.inject(Fault("malformed"))
    with pytest.raises(E.APIError, match="is not JSON"):
        await ParallelSearchTool().ainvoke({"search_queries": ["x"]})


# --- by name, through the registry -------------------------------------------


def test_load_tool_builds_the_search_tool(connected: StandIn) -> None:
    tool = load_tool("parallel:search", max_results=2, mode="basic")
    assert isinstance(tool, ParallelSearchTool)
    result = tool.invoke({"search_queries": ["grid batteries", "storage"]})
    assert len(result["results"]) == 2
    assert bodies(connected, "/v1/search")[0]["mode"] == "basic"
    assert isinstance(load_tool("parallel:extract"), ParallelExtractTool)


def test_a_config_alias_sets_the_search_tools_defaults(
    connected: StandIn, tmp_path: Path
) -> None:
    (tmp_path / "parallel.toml").write_text(
        '[tools.news]\ntool = "parallel:search"\nmax_results = 3\n'
        "source_policy = { include_domains = ['reuters.com'], "
        "after_date = 2025-06-01 }\n"
    )
    news = load_tool("news")
    result = news.invoke({"search_queries": ["central bank rates"]})
    assert [r["url"].split("/")[2] for r in result["results"]] == ["reuters.com"] * 3
    (body,) = bodies(connected, "/v1/search")
    assert body["advanced_settings"]["source_policy"] == {
        "include_domains": ["reuters.com"],
        "after_date": "2025-06-01",
    }


@pytest.mark.parametrize("cls", [ParallelSearchTool, ParallelExtractTool])
def test_a_bad_key_value_never_shows_in_the_traceback(cls: type[Any]) -> None:
    secret = "sk-never-show-this-value"
    with pytest.raises(E.ConfigError) as info:
        cls(api_key=(secret,))  # a stray trailing comma makes a tuple
    printed = "".join(traceback.format_exception(info.value))
    assert "api_key" in printed
    assert secret not in printed
