"""Research basis as LangChain's standard content blocks.

Parallel's research models return a `basis`: one entry per answer field, each with
citations (`url`, `title`, `excerpts`), `reasoning` and a `confidence`. We register a
block translator for provider `parallel`, so `message.content_blocks` gives a text
block whose `annotations` are standard `Citation`s, for an `AIMessage` and for merged
`AIMessageChunk`s alike; a UI that renders citations for one provider renders these.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from typing import Any, cast

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.messages import content as types
from langchain_core.messages.block_translators import register_translator

from langchain_parallel._wire import PROVIDER


def citations(basis: object) -> list[types.Citation]:
    """Standard citations from a basis list; the basis's other facts go in `extras`.

    A basis is read defensively: whatever does not have the documented shape (a
    basis that is not a list, entries or citations that are not objects, a
    citation without a URL, `citations` or `excerpts` that are not lists) is
    skipped, with one warning per basis that names what was skipped. The raw
    basis stays in `response_metadata["basis"]`.
    """
    skipped: list[str] = []
    found = list(_read(basis, skipped))
    if skipped:
        shown = "; ".join(dict.fromkeys(skipped))
        warnings.warn(
            f"Parts of the research basis could not be read as citations and were "
            f"skipped ({shown}). The raw basis is in response_metadata['basis'].",
            UserWarning,
            stacklevel=2,
        )
    return found


def _kind(value: object) -> str:
    return type(value).__name__


def _read(basis: object, skipped: list[str]) -> Iterator[types.Citation]:
    if basis is None:
        return
    if not isinstance(basis, list):
        skipped.append(f"a basis that is a {_kind(basis)}, not a list")
        return
    for entry in basis:
        if not isinstance(entry, Mapping):
            skipped.append(f"a basis entry that is a {_kind(entry)}")
            continue
        sources = entry.get("citations")
        if sources is None:
            continue
        if not isinstance(sources, list):
            skipped.append(f"citations that are a {_kind(sources)}, not a list")
            continue
        extras = {
            key: entry[key]
            for key in ("field", "reasoning", "confidence")
            if entry.get(key)
        }
        for source in sources:
            citation = _citation(source, extras, skipped)
            if citation is not None:
                yield citation


def _citation(
    source: object, extras: dict[str, Any], skipped: list[str]
) -> types.Citation | None:
    if not isinstance(source, Mapping):
        skipped.append(f"a citation that is a {_kind(source)}")
        return None
    url, title = source.get("url"), source.get("title")
    if not isinstance(url, str) or not url:
        skipped.append("a citation without a URL")
        return None
    if title is not None and not isinstance(title, str):
        skipped.append(f"a title that is a {_kind(title)}")
        title = None
    return types.create_citation(
        url=url,
        title=title or None,
        cited_text="\n".join(_excerpts(source.get("excerpts"), skipped)) or None,
        **extras,
    )


def _excerpts(excerpts: object, skipped: list[str]) -> list[str]:
    if excerpts is None:
        return []
    if not isinstance(excerpts, list):
        skipped.append(f"excerpts that are a {_kind(excerpts)}, not a list")
        return []
    readable = [e for e in excerpts if isinstance(e, str)]
    if len(readable) < len(excerpts):
        skipped.append("excerpts that are not text")
    return [e for e in readable if e]


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
