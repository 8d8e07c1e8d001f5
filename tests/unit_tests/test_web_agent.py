"""An agent that searches, then reads a page, then answers: end to end on the stand-in.

`langchain.agents.create_agent` drives a scripted tool-calling chat model: it asks
for a search, takes the first URL from the text the search tool gave it, asks the
extract tool to read that page, and answers citing the URL it read. The model sees
only what a real model would (the tools' schemas and `ToolMessage` contents).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.utils.function_calling import convert_to_openai_tool
from parallel_standin import StandIn
from pydantic import Field

from langchain_parallel import ParallelExtractTool, ParallelSearchTool

QUESTION = "What is new in grid-scale battery storage?"


class ScriptedToolCaller(BaseChatModel):
    """Search, then extract the first result, then answer with a citation."""

    bound: list[dict[str, Any]] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted-tool-caller"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Runnable[Any, Any]:
        schemas = [convert_to_openai_tool(tool) for tool in tools]
        return self.model_copy(update={"bound": schemas})

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: Any = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        names = {schema["function"]["name"] for schema in self.bound}
        assert names == {"parallel_web_search", "parallel_extract"}
        results = [m for m in messages if isinstance(m, ToolMessage)]
        if not results:
            message = self._call(
                "parallel_web_search",
                {
                    "objective": QUESTION,
                    "search_queries": ["grid batteries 2026", "utility batteries"],
                    "max_results": 3,
                },
            )
        elif len(results) == 1:
            url = re.search(r"^URL: (\S+)$", str(results[0].content), re.M)
            assert url, "the search tool's text names its URLs"
            message = self._call(
                "parallel_extract",
                {"urls": [url.group(1)], "objective": QUESTION},
            )
        else:
            page = str(results[1].content)
            url = re.search(r"^URL: (\S+)$", page, re.M)
            assert url, "the extract tool's text names the page it read"
            message = AIMessage(
                content=f"Grid batteries keep growing, per {url.group(1)}."
            )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _call(self, name: str, args: dict[str, Any]) -> AIMessage:
        return AIMessage(
            content="", tool_calls=[{"name": name, "args": args, "id": f"call_{name}"}]
        )


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
