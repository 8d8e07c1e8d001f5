"""A scripted tool-calling chat model, to drive LangChain agents offline.

It sees only what a real model sees (the bound tools' schemas, the `ToolMessage`
contents) and follows one script: search (with the question as objective), then,
when an extract tool is bound, read the first URL the search text names, then
answer citing the URL it read (or found).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import Field

SEARCH = "parallel_web_search"
EXTRACT = "parallel_extract"
_URL = re.compile(r"^URL: (\S+)$", re.M)


class ScriptedToolCaller(BaseChatModel):
    """Search, then extract the first result if it can, then answer with a URL."""

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
        assert SEARCH in names, "the search tool is bound"
        question = next(
            str(m.content) for m in reversed(messages) if isinstance(m, HumanMessage)
        )
        results = [m for m in messages if isinstance(m, ToolMessage)]
        if not results:
            message = _call(
                SEARCH,
                {
                    "objective": question,
                    "search_queries": [question[:40], "latest news"],
                    "max_results": 3,
                },
            )
        elif len(results) == 1 and EXTRACT in names:
            url = _URL.search(str(results[0].content))
            assert url, "the search tool's text names its URLs"
            message = _call(EXTRACT, {"urls": [url.group(1)], "objective": question})
        else:
            url = _URL.search(str(results[-1].content))
            assert url, "the last tool's text names a URL"
            message = AIMessage(content=f"Here is what I found, per {url.group(1)}.")
        return ChatResult(generations=[ChatGeneration(message=message)])


def _call(name: str, args: dict[str, Any]) -> AIMessage:
    return AIMessage(
        content="", tool_calls=[{"name": name, "args": args, "id": f"call_{name}"}]
    )
