"""Content blocks for `parallel_task` messages: progress, then the cited answer.

The answer's text block and its `Citation` annotations come from the chat
translator (`citations.py`), so a Task answer renders as a research chat answer
does. Progress lines, carried in `additional_kwargs["reasoning_content"]`, become a
leading `{"type": "reasoning"}` block: one line (newline-ended) on a progress chunk,
every line on a merged stream.
"""

from __future__ import annotations

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.messages import content as types
from langchain_core.messages.block_translators import register_translator

from langchain_parallel import citations
from langchain_parallel._tasks import PROVIDER


def _with_reasoning(
    message: AIMessage, blocks: list[types.ContentBlock], *, whole: bool
) -> list[types.ContentBlock]:
    progress = message.additional_kwargs.get("reasoning_content")
    if not (isinstance(progress, str) and progress.strip()):
        return blocks
    # A progress chunk's line keeps its newline, so that blocks merged by
    # `output_version="v1"` still read one line per event; a whole answer (or a
    # merged stream) ends without one.
    text = progress.rstrip("\n") if whole else progress
    # No generated id: a block's content should not change between two reads.
    return [types.ReasoningContentBlock(type="reasoning", reasoning=text), *blocks]


def translate_content(message: AIMessage) -> list[types.ContentBlock]:
    """Blocks for a whole answer."""
    return _with_reasoning(message, citations.translate_content(message), whole=True)


def translate_content_chunk(chunk: AIMessageChunk) -> list[types.ContentBlock]:
    """Blocks for a chunk, or for chunks merged so far."""
    blocks = citations.translate_content_chunk(chunk)
    return _with_reasoning(chunk, blocks, whole=chunk.chunk_position == "last")


def register() -> None:
    """Register the translator for provider `parallel_task` (a dictionary insert)."""
    register_translator(PROVIDER, translate_content, translate_content_chunk)
