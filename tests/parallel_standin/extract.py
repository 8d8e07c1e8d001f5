"""The Extract API: `POST /v1/extract`, per Parallel's OpenAPI document.

Requests are checked against `V1ExtractRequest` (422 `ErrorResponse` otherwise). A
good one gets a `V1ExtractResponse`: a result per readable URL (title, publish
date, excerpts about the objective and queries, the full content when
`advanced_settings.full_content` asks, cut to its `max_chars_per_result`), and an
`errors` entry per URL that cannot be read. Which URLs fail: hosts under
`.invalid` or containing `does-not-exist` (a DNS failure, no status), and paths
starting with `/404` or `/500` (that status from the site); `failing` adds more.
A failed URL never fails the call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .search import clip_total, digest, slug, validation_error
from .server import Exchange, route
from .web_schema import EXTRACT_REQUEST, check

PAGE = (
    "# {title}\n\nThis stand-in page at {url} covers {topic}. It has a few "
    "paragraphs of plain text, so that full content is longer than the excerpts.\n\n"
)


@dataclass
class ExtractApi:
    """The extract endpoint, with the switches tests flip."""

    failing: dict[str, int | None] = field(default_factory=dict)
    """More URLs that fail, with the HTTP status the site answered (or None)."""

    def __post_init__(self) -> None:
        """Serve the v1 path."""
        self.routes = [route("POST", "/v1/extract", self._handle)]

    def reset(self) -> None:
        """Back to the defaults."""
        self.failing.clear()

    def _handle(self, exchange: Exchange, _match: re.Match[str]) -> None:
        body = exchange.body
        extract_id = f"extract_{digest(body)[:32]}"
        problem = check(body, EXTRACT_REQUEST)
        if problem is not None:
            exchange.json(422, validation_error(problem, extract_id))
            return
        exchange.json(200, self.answer(body, extract_id))

    def failure(self, url: str) -> tuple[bool, int | None]:
        """Whether `url` fails, and the status its site answered."""
        if url in self.failing:
            return True, self.failing[url]
        parts = urlsplit(url)
        host = parts.hostname or ""
        if not parts.scheme.startswith("http") or not host:
            return True, None
        if host.endswith(".invalid") or "does-not-exist" in host:
            return True, None
        for status in (404, 500):
            if parts.path.startswith(f"/{status}"):
                return True, status
        return False, None

    def answer(self, body: dict[str, Any], extract_id: str) -> dict[str, Any]:
        """The `V1ExtractResponse` for a valid request."""
        settings = body.get("advanced_settings") or {}
        full = settings.get("full_content", False)
        full_cap = full.get("max_chars_per_result") if isinstance(full, dict) else None
        queries = body.get("search_queries") or []
        topic = body.get("objective") or "; ".join(queries) or "its subject"
        results, errors = [], []
        for url in dict.fromkeys(body["urls"]):
            failed, status = self.failure(url)
            if failed:
                errors.append(
                    {
                        "url": url,
                        "error_type": "http_error" if status else "fetch_error",
                        "http_status_code": status,
                        "content": f"Error fetching content from {url}",
                    }
                )
                continue
            title = f"Stand-in page {slug(urlsplit(url).path) or 'home'}"
            excerpts = [f"{title}: the part of {url} about {topic[:160]}."]
            excerpts += [f"On {q!r}: the page says what it knows." for q in queries]
            result: dict[str, Any] = {
                "url": url,
                "title": title,
                "publish_date": "2026-10-15",
                "excerpts": excerpts,
            }
            if full is not False:
                page = PAGE.format(title=title, url=url, topic=topic) * 30
                result["full_content"] = page[:full_cap] if full_cap else page
            results.append(result)
        clip_total(results, body.get("max_chars_total"))
        usage = [{"name": "sku_extract_excerpts", "count": len(results)}]
        if full is not False:
            usage.append({"name": "sku_extract_full_content", "count": len(results)})
        warnings = []
        if not body.get("objective") and not queries:
            warnings.append(
                {
                    "type": "warning",
                    "message": "No objective or search_queries: excerpts are "
                    "the start of each page.",
                }
            )
        return {
            "extract_id": extract_id,
            "results": results,
            "errors": errors,
            "warnings": warnings,
            "usage": usage,
            "session_id": body.get("session_id") or f"session_{extract_id[8:]}",
        }
