"""Small helpers shared by the test modules."""

from __future__ import annotations

from collections.abc import Iterable

from langchain_core.messages import AIMessageChunk


def merge_chunks(chunks: Iterable[AIMessageChunk]) -> AIMessageChunk:
    """Merge streamed chunks as a caller would (`full = full + chunk`)."""
    full = None
    for chunk in chunks:
        full = chunk if full is None else full + chunk
    assert isinstance(full, AIMessageChunk), "the stream yielded nothing"
    return full
