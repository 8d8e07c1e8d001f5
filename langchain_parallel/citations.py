"""Research basis as LangChain's standard content blocks.

Parallel's research models return a `basis`: one entry per answer field, each with
citations (`url`, `title`, `excerpts`), `reasoning` and a `confidence`. We register a
block translator for provider `parallel`, so `message.content_blocks` gives a text
block whose `annotations` are standard `Citation`s, for an `AIMessage` and for merged
`AIMessageChunk`s alike; a UI that renders citations for one provider renders these.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, cast

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.messages import content as types
from langchain_core.messages.block_translators import register_translator

from langchain_parallel._wire import PROVIDER


def citations(basis: object) -> list[types.Citation]:
    """Standard citations from a basis list; the basis's other facts go in `extras`."""
    if not isinstance(basis, Iterable) or isinstance(basis, str | bytes | Mapping):
        return []
    found: list[types.Citation] = []
    for entry in basis:
        if not isinstance(entry, Mapping):
            continue
        extras = {
            key: entry[key]
            for key in ("field", "reasoning", "confidence")
            if entry.get(key)
        }
        for source in entry.get("citations") or ():
            if not isinstance(source, Mapping) or not source.get("url"):
                continue
            excerpts = [str(e) for e in source.get("excerpts") or () if e]
            found.append(
                types.create_citation(
                    url=str(source["url"]),
                    title=str(source["title"]) if source.get("title") else None,
                    cited_text="\n".join(excerpts) if excerpts else None,
                    **extras,
                )
            )
    return found


def _blocks(
    text: Any, metadata: Mapping[str, Any], *, last: bool
) -> list[types.ContentBlock]:
    if not isinstance(text, str):
        # Content already in block form (e.g. output_version="v1"): nothing to add.
        raise NotImplementedError
    annotations: list[types.Annotation] = list(citations(metadata.get("basis")))
    if not text and not (annotations and last):
        return []
    # No block id: chunks of one answer must merge into one text block.
    block: dict[str, Any] = {"type": "text", "text": text}
    if annotations:
        block["annotations"] = annotations
    return [cast("types.TextContentBlock", block)]


def translate_content(message: AIMessage) -> list[types.ContentBlock]:
    """Blocks for a whole answer."""
    return _blocks(message.content, message.response_metadata, last=True)


def translate_content_chunk(chunk: AIMessageChunk) -> list[types.ContentBlock]:
    """Blocks for a chunk; a merged stream carries the basis of its last chunk."""
    return _blocks(
        chunk.content, chunk.response_metadata, last=chunk.chunk_position == "last"
    )


def register() -> None:
    """Register the translator for provider `parallel` (a dictionary insert)."""
    register_translator(PROVIDER, translate_content, translate_content_chunk)
