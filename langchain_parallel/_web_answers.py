"""Search and Extract answers in the shapes callers and models read.

Direct callers get what the earlier integration returned: the search response as a
dict (plus `search_metadata`), and for Extract a list with one dict per URL, a
failed URL reported in its own entry. A model calling the tool reads a compact
text rendering of the same answer instead (`render_search`, `render_extract`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.documents import Document

_RESULT_KEYS = ("url", "title", "publish_date", "excerpts")


def search_output(answer: Mapping[str, Any]) -> dict[str, Any]:
    """The search answer as the earlier tool returned it (every key present)."""
    return {
        "search_id": answer.get("search_id"),
        "session_id": answer.get("session_id"),
        "results": [
            {**result, **{k: result.get(k) for k in _RESULT_KEYS}}
            for result in answer.get("results") or ()
        ],
        "warnings": answer.get("warnings"),
        "usage": answer.get("usage"),
    }


def extract_output(
    answer: Mapping[str, Any], urls: Sequence[str], *, excerpts: bool = True
) -> list[dict[str, Any]]:
    """One entry per URL, in the order asked; a failed URL carries `error_type`.

    Each success has `url`, `title`, `publish_date`, `excerpts` (unless
    `excerpts=False`), `full_content` when asked, and `content`: the full content
    if any, else the excerpts joined, as in the earlier integration.
    """
    entries: dict[str, dict[str, Any]] = {}
    extra: list[dict[str, Any]] = []
    for result in answer.get("results") or ():
        entry: dict[str, Any] = {
            "url": result.get("url"),
            "title": result.get("title"),
            "publish_date": result.get("publish_date"),
        }
        parts = result.get("excerpts") or []
        if excerpts:
            entry["excerpts"] = parts
        full = result.get("full_content")
        if full is not None:
            entry["full_content"] = full
        entry["content"] = (
            full if full is not None else "\n\n".join(parts) if excerpts else ""
        )
        _place(entries, extra, entry)
    for error in answer.get("errors") or ():
        kind = error.get("error_type") or "error"
        detail = error.get("content")
        _place(
            entries,
            extra,
            {
                "url": error.get("url"),
                "title": None,
                "content": f"Error: {kind}" + (f" - {detail}" if detail else ""),
                "error_type": kind,
                "http_status_code": error.get("http_status_code"),
            },
        )
    ordered = [entries.pop(url) for url in dict.fromkeys(urls) if url in entries]
    return ordered + list(entries.values()) + extra


def _place(
    entries: dict[str, dict[str, Any]],
    extra: list[dict[str, Any]],
    entry: dict[str, Any],
) -> None:
    # The API may echo a URL normalised (a trailing slash); such entries keep
    # their place at the end rather than being lost.
    if entry["url"] in entries:
        extra.append(entry)
    else:
        entries[entry["url"]] = entry


def _warnings(answer: Mapping[str, Any]) -> list[str]:
    return [
        f"Warning: {w.get('message')}"
        for w in answer.get("warnings") or ()
        if isinstance(w, Mapping) and w.get("message")
    ]


def render_search(answer: Mapping[str, Any]) -> str:
    """A compact text of the results, for a model to read and cite."""
    results = answer.get("results") or []
    lines = [
        f"{len(results)} results (search_id {answer.get('search_id')}, "
        f"session_id {answer.get('session_id')})",
        *_warnings(answer),
    ]
    for n, result in enumerate(results, 1):
        dated = f" ({result['publish_date']})" if result.get("publish_date") else ""
        lines.append(f"\n[{n}] {result.get('title') or result.get('url')}{dated}")
        lines.append(f"URL: {result.get('url')}")
        lines.extend(result.get("excerpts") or ())
    return "\n".join(lines)


def render_extract(
    entries: Sequence[Mapping[str, Any]], answer: Mapping[str, Any]
) -> str:
    """A compact text of the extracted pages, failures included."""
    lines = [f"{len(entries)} pages (session_id {answer.get('session_id')})"]
    lines.extend(_warnings(answer))
    for n, entry in enumerate(entries, 1):
        if "error_type" in entry:
            status = entry.get("http_status_code")
            code = f", HTTP {status}" if status else ""
            lines.append(f"\n[{n}] FAILED {entry['url']} ({entry['content']}{code})")
            continue
        lines.append(f"\n[{n}] {entry.get('title') or entry['url']}")
        lines.append(f"URL: {entry['url']}")
        lines.append(entry.get("content") or "")
    return "\n".join(lines)


def documents(answer: Mapping[str, Any], query: str) -> list[Document]:
    """Search results as `Document`s: the excerpts as text, the rest as metadata."""
    search_id = answer.get("search_id")
    docs = []
    for result in answer.get("results") or ():
        excerpts = result.get("excerpts") or []
        metadata: dict[str, Any] = {"query": query, "excerpts": excerpts}
        for key in ("url", "title", "publish_date"):
            metadata[key] = result.get(key)
        if search_id is not None:
            metadata["search_id"] = search_id
        docs.append(Document(page_content="\n\n".join(excerpts), metadata=metadata))
    return docs
