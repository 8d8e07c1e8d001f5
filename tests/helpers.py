"""Small helpers shared by the test modules."""

from __future__ import annotations

from collections.abc import Iterable

from langchain_core.messages import AIMessageChunk

from langchain_parallel import ChatParallelWeb


def merge_chunks(chunks: Iterable[AIMessageChunk]) -> AIMessageChunk:
    """Merge streamed chunks as a caller would (`full = full + chunk`)."""
    full = None
    for chunk in chunks:
        full = chunk if full is None else full + chunk
    assert isinstance(full, AIMessageChunk), "the stream yielded nothing"
    return full


class ParallelCapabilities:
    """What ChatParallelWeb offers, told to LangChain's standard test suites."""

    @property
    def chat_model_class(self) -> type[ChatParallelWeb]:
        return ChatParallelWeb

    @property
    def has_tool_calling(self) -> bool:
        return False  # bind_tools exists only to refuse clearly

    @property
    def has_structured_output(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def returns_usage_metadata(self) -> bool:
        return False  # Parallel reports no token usage
