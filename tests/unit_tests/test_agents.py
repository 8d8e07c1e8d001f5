"""`create_agent` with native structured output; tools are refused clearly."""

from __future__ import annotations

from typing import get_type_hints

import pytest
from langchain.agents import create_agent
from langchain_core.language_models import ModelProfile
from langchain_core.messages import HumanMessage
from langchain_core.tools import tool
from parallel_standin import StandIn
from pydantic import BaseModel

from langchain_parallel import ChatParallelWeb
from langchain_parallel.errors import InputError, UnsupportedFeatureError


class Company(BaseModel):
    """A company and the year it was founded."""

    name: str
    founded: int


@tool
def lookup(query: str) -> str:
    """Look something up."""
    return query


@pytest.fixture
def llm(standin: StandIn) -> ChatParallelWeb:
    return ChatParallelWeb(api_key="standin-key", base_url=standin.url)


@pytest.mark.parametrize("model", ["speed", "lite", "base", "core"])
def test_profile_tells_langchain_what_the_model_does(model: str) -> None:
    profile = ChatParallelWeb(model=model, api_key="k").profile
    assert profile is not None
    assert profile["structured_output"] is True
    assert profile["tool_calling"] is False
    assert profile["text_inputs"] is True
    assert profile["image_inputs"] is False
    assert profile["audio_inputs"] is False
    assert profile["pdf_inputs"] is False


def test_profiles_use_only_keys_langchain_declares() -> None:
    declared = set(get_type_hints(ModelProfile))
    for model in ("speed", "lite", "base", "core"):
        profile = ChatParallelWeb(model=model, api_key="k").profile
        assert profile
        assert set(profile) <= declared


def test_a_profile_given_by_the_user_wins() -> None:
    llm = ChatParallelWeb(api_key="k", profile={"structured_output": False})
    assert llm.profile == {"structured_output": False}


def test_create_agent_answers_with_the_pydantic_schema(
    llm: ChatParallelWeb, standin: StandIn
) -> None:
    agent = create_agent(llm, tools=[], response_format=Company)
    result = agent.invoke({"messages": [HumanMessage("Which company made Python?")]})
    answer = result["structured_response"]
    assert isinstance(answer, Company)
    # The native strategy: one request carrying the JSON schema, no tool schema.
    (seen,) = [s for s in standin.requests if s.method == "POST"]
    fmt = seen.body["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["schema"]["properties"].keys() == {"name", "founded"}
    assert "tools" not in seen.body


async def test_create_agent_async(llm: ChatParallelWeb) -> None:
    agent = create_agent(llm, tools=[], response_format=Company)
    result = await agent.ainvoke({"messages": [HumanMessage("Who made Python?")]})
    assert isinstance(result["structured_response"], Company)


def test_binding_no_tools_binds_the_arguments(
    llm: ChatParallelWeb, standin: StandIn
) -> None:
    bound = llm.bind_tools([], response_format={"type": "json_object"}, strict=True)
    bound.invoke("Give me JSON")
    (seen,) = [s for s in standin.requests if s.method == "POST"]
    assert seen.body["response_format"] == {"type": "json_object"}
    assert "strict" not in seen.body


def test_binding_a_tool_is_refused_by_name(llm: ChatParallelWeb) -> None:
    with pytest.raises(UnsupportedFeatureError, match=r"no tool calling.*lookup"):
        llm.bind_tools([lookup])
    with pytest.raises(NotImplementedError, match="response_format=schema"):
        llm.bind_tools([{"type": "function", "function": {"name": "f"}}])


def test_create_agent_with_a_tool_is_refused(llm: ChatParallelWeb) -> None:
    agent = create_agent(llm, tools=[lookup])
    with pytest.raises(UnsupportedFeatureError, match="lookup"):
        agent.invoke({"messages": [HumanMessage("Hi")]})


@pytest.mark.parametrize("choice", ["any", "required", {"type": "function"}])
def test_a_tool_choice_that_needs_a_tool_is_refused(
    llm: ChatParallelWeb, choice: object
) -> None:
    with pytest.raises(InputError, match="asks for a tool call"):
        llm.bind_tools([], tool_choice=choice)  # type: ignore[arg-type]


def test_bind_tools_checks_its_arguments_at_once(llm: ChatParallelWeb) -> None:
    with pytest.raises(InputError, match="parallel_tool_calls"):
        llm.bind_tools([], parallel_tool_calls=False)
