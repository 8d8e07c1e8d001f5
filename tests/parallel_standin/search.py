"""The Search API: `POST /v1/search`, per Parallel's OpenAPI document.

Requests are checked against `V1SearchRequest` (see `web_schema.py`); a bad one gets
the document's 422 `ErrorResponse`, whose `detail` lists the problem in FastAPI's
`loc`/`msg`/`type` form. A good one gets a `V1SearchResponse` made from the request:
`max_results` results (default 10, at most `available`) from the included domains
and never the excluded ones, published on or after `after_date`, with excerpts that
quote the objective and queries, cut to `excerpt_settings.max_chars_per_result` and
`max_chars_total`; `usage`; `warnings` for what the API would flag; the
`session_id` echoed or made. A "malformed" fault answers 200 with broken JSON.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from .server import Exchange, route
from .web_schema import SEARCH_REQUEST, Problem, check

DOMAINS = ("example.com", "example.org", "news.example.net", "research.example.edu")
DEFAULT_RESULTS = 10
LOCATIONS = frozenset({"us", "gb", "de", "fr", "jp", "ca", "au", "in"})
# "Values below 1000 will be automatically set to 1000."
MIN_EXCERPT_CHARS = 1000


def digest(value: Any) -> str:
    """A stable hex id for a request."""
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


def validation_error(problem: Problem, ref_id: str) -> dict[str, Any]:
    """The OpenAPI document's 422 `ErrorResponse` for one problem."""
    loc, msg, kind = problem
    where = ".".join(str(p) for p in loc)
    return {
        "type": "error",
        "error": {
            "ref_id": ref_id,
            "message": f"Request validation error: {where}: {msg}",
            "detail": {"errors": [{"loc": ["body", *loc], "msg": msg, "type": kind}]},
        },
    }


def slug(text: str) -> str:
    """A URL path segment for `text`."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "page"


def clip(texts: list[str], limit: int | None) -> list[str]:
    """`texts` cut so that together they hold at most `limit` characters."""
    if limit is None:
        return texts
    kept, left = [], limit
    for text in texts:
        if left <= 0:
            break
        kept.append(text[:left])
        left -= len(kept[-1])
    return kept


@dataclass
class SearchApi:
    """The search endpoint, with the switches tests flip."""

    available: int = 40
    """How many results exist for any query (the most a search can return)."""

    def __post_init__(self) -> None:
        """Serve the v1 path."""
        self.routes = [route("POST", "/v1/search", self._handle)]

    def reset(self) -> None:
        """Back to the defaults."""
        self.available = 40

    def _handle(self, exchange: Exchange, _match: re.Match[str]) -> None:
        body = exchange.body
        search_id = f"search_{digest(body)[:32]}"
        problem = check(body, SEARCH_REQUEST)
        if problem is not None:
            exchange.json(422, validation_error(problem, search_id))
            return
        fault = exchange.fault
        if fault is not None and fault.kind == "malformed":
            exchange.send(200, b'{"search_id": "search_', "application/json")
            return
        exchange.json(200, self.answer(body, search_id))

    def answer(self, body: dict[str, Any], search_id: str) -> dict[str, Any]:
        """The `V1SearchResponse` for a valid request."""
        settings = body.get("advanced_settings") or {}
        policy = settings.get("source_policy") or {}
        wanted = settings.get("max_results") or DEFAULT_RESULTS
        count = max(0, min(wanted, self.available))
        queries = body["search_queries"]
        topic = body.get("objective") or "; ".join(queries)
        domains = (
            policy.get("include_domains")
            or [d for d in DOMAINS if not _excluded(d, policy.get("exclude_domains"))]
            or ["example.com"]
        )
        after = policy.get("after_date")
        newest = dt.date(2026, 11, 1)
        per_result = (settings.get("excerpt_settings") or {}).get(
            "max_chars_per_result"
        )
        if per_result is not None:
            per_result = max(per_result, MIN_EXCERPT_CHARS)
        results = []
        for i in range(count):
            query = queries[i % len(queries)]
            domain = domains[i % len(domains)].lstrip(".")
            if "." not in domain:
                domain = f"example.{domain}"
            published = newest - dt.timedelta(days=7 * i)
            if after is not None:
                published = max(published, dt.date.fromisoformat(after))
            excerpts = [
                f"{query.capitalize()}: a stand-in page on {topic[:120]}.",
                f"Result {i + 1} of {count} for {query!r}, from {domain}.",
            ]
            results.append(
                {
                    "url": f"https://{domain}/{slug(query)}/{i + 1}",
                    "title": f"{query.title()} - stand-in result {i + 1}",
                    "publish_date": published.isoformat(),
                    "excerpts": clip(excerpts, per_result),
                }
            )
        clip_total(results, body.get("max_chars_total"))
        answer: dict[str, Any] = {
            "search_id": search_id,
            "results": results,
            "warnings": self.warnings(body, settings),
            "usage": [{"name": "sku_search", "count": 1}],
            "session_id": body.get("session_id") or f"session_{search_id[7:]}",
        }
        extra = count - DEFAULT_RESULTS
        if extra > 0:
            answer["usage"].append(
                {"name": "sku_search_additional_results", "count": extra}
            )
        return answer

    @staticmethod
    def warnings(
        body: dict[str, Any], settings: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """What the API flags without refusing the request."""
        found = []
        location = settings.get("location")
        if location is not None and location.lower() not in LOCATIONS:
            found.append(
                {
                    "type": "input_validation_warning",
                    "message": f"Unsupported location {location!r} was ignored.",
                    "detail": {"location": location},
                }
            )
        if body.get("mode") == "basic" and len(body["search_queries"]) == 1:
            found.append(
                {
                    "type": "warning",
                    "message": "Basic mode works best with 2-3 search queries.",
                }
            )
        return found


def _excluded(domain: str, excluded: list[str] | None) -> bool:
    return any(domain == e or domain.endswith(e.lstrip(".")) for e in excluded or ())


def clip_total(results: list[dict[str, Any]], limit: int | None) -> None:
    """Cut the excerpts of `results`, in order, to `limit` characters together."""
    if limit is None:
        return
    left = limit
    for result in results:
        result["excerpts"] = clip(result["excerpts"], left) if left > 0 else []
        left -= sum(len(e) for e in result["excerpts"])
