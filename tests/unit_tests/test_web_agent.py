"""An agent that searches, then reads a page, then answers: end to end on the stand-in.

`langchain.agents.create_agent` drives a scripted tool-calling chat model: it asks
for a search, takes the first URL from the text the search tool gave it, asks the
extract tool to read that page, and answers citing the URL it read. The model sees
only what a real model would (the tools' schemas and `ToolMessage` contents).
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from parallel_standin import StandIn
from scripted_agent import ScriptedToolCaller

from langchain_parallel import ParallelExtractTool, ParallelSearchTool

QUESTION = "What is new in grid-scale battery storage?"


@pytest.fixture
def agent(standin: StandIn, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("PARALLEL_API_KEY", "standin-key")
    monkeypatch.setenv("PARALLEL_BASE_URL", standin.url)
    return create_agent(
        ScriptedToolCaller(),
        tools=[ParallelSearchTool(), ParallelExtractTool()],
        system_prompt="Search, read the best page, answer with its URL.",
    )


def _check(messages: list[BaseMessage], standin: StandIn) -> None:
    search, extract = [m for m in messages if isinstance(m, ToolMessage)]
    found = [r["url"] for r in search.artifact["results"]]
    assert len(found) == 3
    (page,) = extract.artifact
    assert page["url"] == found[0]
    answer = messages[-1]
    assert isinstance(answer, AIMessage)
    assert not answer.tool_calls
    assert found[0] in str(answer.content)
    assert [seen.path for seen in standin.requests] == ["/v1/search", "/v1/extract"]


def test_agent_searches_reads_and_cites(agent: Any, standin: StandIn) -> None:
    state = agent.invoke({"messages": [("human", QUESTION)]})
    _check(state["messages"], standin)


async def test_agent_async(agent: Any, standin: StandIn) -> None:
    state = await agent.ainvoke({"messages": [("human", QUESTION)]})
    _check(state["messages"], standin)
