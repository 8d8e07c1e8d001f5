"""`ChatParallelFake`: Parallel-shaped answers with no network."""

from __future__ import annotations

import hashlib
import itertools
import re
import time
from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field, PrivateAttr

from langchain_parallel import citations

# Our answers say model_provider "parallel": render their basis as citations too.
citations.register()

RESEARCH_MODELS = frozenset({"lite", "base", "core"})
DEFAULT_SOURCES = [
    ("Fake source one", "https://example.com/fake/1"),
    ("Fake source two", "https://example.org/fake/2"),
]


class ChatParallelFake(BaseChatModel):
    """Answers like Parallel's Chat API, offline: for tests of code that uses it."""

    model: str = "speed"
    responses: list[str] | None = None
    sources: list[tuple[str, str]] = Field(
        default_factory=lambda: list(DEFAULT_SOURCES)
    )
    _cycle: Iterator[str] | None = PrivateAttr(default=None)

    @property
    def _llm_type(self) -> str:
        return "parallel-fake"

    def _answer(self, messages: list[BaseMessage]) -> str:
        if self.responses:
            if self._cycle is None:
                self._cycle = itertools.cycle(self.responses)
            return next(self._cycle)
        question = messages[-1].text if messages else ""
        return f"Fake {self.model} answer to: {question}"

    def _metadata(self, text: str) -> dict[str, Any]:
        digest = hashlib.sha256(f"{self.model}:{text}".encode()).hexdigest()
        meta: dict[str, Any] = {
            "model_name": self.model,
            "model": self.model,
            "finish_reason": "stop",
            "created": int(time.time()),
            "model_provider": "parallel",
            "interaction_id": f"fake_{digest[:16]}",
        }
        if self.model in RESEARCH_MODELS:
            meta["basis"] = [
                {
                    "field": "output",
                    "citations": [
                        {"title": title, "url": url, "excerpts": [text[:80]]}
                        for title, url in self.sources
                    ],
                    "reasoning": "Fake reasoning.",
                    "confidence": "high",
                }
            ]
        return meta

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = self._answer(messages)
        message = AIMessage(content=text, response_metadata=self._metadata(text))
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        text = self._answer(messages)
        for piece in re.findall(r"\S+\s*|\s+", text):
            chunk = ChatGenerationChunk(
                message=AIMessageChunk(
                    content=piece, response_metadata={"model_provider": "parallel"}
                )
            )
            if run_manager:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk
        yield ChatGenerationChunk(
            message=AIMessageChunk(
                content="",
                response_metadata=self._metadata(text),
                chunk_position="last",
            )
        )
