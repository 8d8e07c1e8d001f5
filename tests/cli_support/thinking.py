"""A provider plugin whose model reports progress as reasoning blocks, then answers.

Shaped like deep research through the Task API: while it works, it streams chunks
with empty text whose `content_blocks` hold `{"type": "reasoning", ...}` (both ways
LangChain represents them), then the answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from langchain_parallel.hookspecs import Provider, hookimpl

STEPS = ("Planning the research", "Searching 12 sources for battery makers")
ANSWER = "First line of the deep answer.\nSecond line of the deep answer."


class ThinkingModel(BaseChatModel):
    model: str = "deep"

    @property
    def _llm_type(self) -> str:
        return "thinking"

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, **kwargs: Any
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(ANSWER))])

    def _stream(
        self, messages: list[BaseMessage], stop: Any = None, **kwargs: Any
    ) -> Iterator[ChatGenerationChunk]:
        first, second = STEPS
        yield ChatGenerationChunk(
            message=AIMessageChunk(content=[{"type": "reasoning", "reasoning": first}])
        )
        yield ChatGenerationChunk(
            message=AIMessageChunk(
                content="", additional_kwargs={"reasoning_content": second}
            )
        )
        for line in ANSWER.splitlines(keepends=True):
            yield ChatGenerationChunk(message=AIMessageChunk(content=line))


@hookimpl
def chat_model_providers() -> list[Provider]:
    return [
        Provider(name="thinking", create=lambda model, **kw: ThinkingModel(model=model))
    ]


BOOTSTRAP = """
import sys
from importlib.metadata import EntryPoint
from langchain_parallel.registry import Registry, reset_registry
reset_registry(Registry(entry_points=[EntryPoint(
    "thinking", "cli_support.thinking", "langchain_parallel.providers")]))
from langchain_parallel.cli import run
run()
"""
"""`python -c BOOTSTRAP ...`: parallel-chat with only this provider installed."""
