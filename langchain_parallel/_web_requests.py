"""Request bodies for `POST /v1/search` and `POST /v1/extract`, checked before sending.

The tools and the retriever take the earlier integration's flat arguments
(`max_results`, `source_policy`, `excerpts`, `fetch_policy`, `location`, ...); the v1
API nests most of them under `advanced_settings` (see `V1SearchRequest` and
`V1ExtractRequest` in Parallel's OpenAPI document). This module is the one place
that maps the first onto the second, and refuses what the API cannot take with an
`InputError` that says what to do.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError

from langchain_parallel._policies import (
    ExcerptSettings,
    FetchPolicy,
    FullContentSettings,
    SourcePolicy,
)
from langchain_parallel.errors import InputError

# The OpenAPI document lists exactly these two. The SDK's type also allows "turbo"
# and "fast"; we follow the document, and map the names the earlier integration
# took (the beta's "fast", "one-shot", "agentic"; 0.5's "turbo") onto them.
MODES = ("basic", "advanced")
_LEGACY_MODES = {
    "fast": "basic",
    "one-shot": "basic",
    "turbo": "basic",
    "agentic": "advanced",
}
MAX_EXTRACT_URLS = 20  # "URLs to extract content from. Up to 20 URLs."
# Queries are keyword strings; an objective used as the query is cut to this length.
_QUERY_CHARS = 200

_S = TypeVar("_S", bound=BaseModel)


def normalize_mode(mode: str | None, *, stacklevel: int = 3) -> str | None:
    """`basic` / `advanced` (or None); legacy names mapped with a DeprecationWarning.

    Raises:
        InputError: for any other value.

    """
    if mode is None or mode in MODES:
        return mode
    if mode in _LEGACY_MODES:
        new = _LEGACY_MODES[mode]
        warnings.warn(
            f"mode={mode!r} is not one of the Search API's documented modes "
            f"('basic', 'advanced'); it is sent as mode={new!r}. Pass mode={new!r} "
            "to silence this warning.",
            DeprecationWarning,
            stacklevel=stacklevel,
        )
        return new
    raise InputError(
        f"Unknown search mode {mode!r}: use 'basic' (lowest latency) or 'advanced' "
        "(higher quality, the API's default)."
    )


def settings(kind: type[_S], value: object, name: str) -> _S | None:
    """`value` (a settings object or a plain dict) as `kind`, or an InputError."""
    if value is None or isinstance(value, kind):
        return value
    if isinstance(value, Mapping):
        try:
            return kind.model_validate(dict(value))
        except ValidationError as exc:
            raise InputError(f"Invalid {name}: {_problems(exc)}") from exc
    raise InputError(
        f"{name} must be a {kind.__name__} or a dict, got {type(value).__name__}."
    )


def _problems(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or 'value'}: {err['msg']}"
        for err in exc.errors()
    )


def _texts(values: Sequence[str] | None, name: str) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        raise InputError(f"{name} must be a list of strings, not one string.")
    texts = [v.strip() for v in values]
    if any(not text for text in texts):
        raise InputError(f"{name} holds an empty string; remove it.")
    return texts


def _put(body: dict[str, Any], key: str, value: object) -> None:
    if value is not None:
        body[key] = value


def search_body(
    *,
    objective: str | None,
    search_queries: Sequence[str] | None,
    mode: str | None = None,
    max_results: int | None = None,
    max_chars_total: int | None = None,
    excerpts: ExcerptSettings | Mapping[str, Any] | None = None,
    source_policy: SourcePolicy | Mapping[str, Any] | None = None,
    fetch_policy: FetchPolicy | Mapping[str, Any] | None = None,
    location: str | None = None,
    client_model: str | None = None,
    session_id: str | None = None,
) -> dict[str, Any]:
    """The JSON body of one search (a `V1SearchRequest`).

    `search_queries` is required by the v1 API; an objective given alone is also
    sent as the one query (cut to 200 characters at a word), as the earlier
    integration let callers search by objective only.

    Raises:
        InputError: neither queries nor an objective, an empty query, an unknown
            mode, a bad number or settings object.

    """
    queries = _texts(search_queries, "search_queries")
    objective = objective.strip() if objective else None
    if not queries and not objective:
        raise InputError(
            "Give search_queries (a few keyword queries), an objective (what you "
            "are looking for, in a sentence), or both."
        )
    if not queries:
        assert objective is not None
        queries = [_as_query(objective)]
    for name, number in (
        ("max_results", max_results),
        ("max_chars_total", max_chars_total),
    ):
        if number is not None and number < 1:
            raise InputError(f"{name} must be 1 or more, got {number}.")
    body: dict[str, Any] = {"search_queries": queries}
    _put(body, "objective", objective)
    _put(body, "mode", normalize_mode(mode, stacklevel=4))
    _put(body, "max_chars_total", max_chars_total)
    _put(body, "client_model", client_model)
    _put(body, "session_id", session_id)
    advanced: dict[str, Any] = {}
    policy = settings(SourcePolicy, source_policy, "source_policy")
    if policy is not None and (wire := policy.wire()):
        advanced["source_policy"] = wire
    _put_settings(
        advanced, "fetch_policy", settings(FetchPolicy, fetch_policy, "fetch_policy")
    )
    _put_settings(
        advanced, "excerpt_settings", settings(ExcerptSettings, excerpts, "excerpts")
    )
    _put(advanced, "location", location)
    _put(advanced, "max_results", max_results)
    if advanced:
        body["advanced_settings"] = advanced
    return body


def _put_settings(body: dict[str, Any], key: str, value: BaseModel | None) -> None:
    if value is not None:
        body[key] = value.model_dump(mode="json", exclude_none=True)


def _as_query(objective: str) -> str:
    if len(objective) <= _QUERY_CHARS:
        return objective
    cut = objective[:_QUERY_CHARS]
    return cut.rsplit(" ", 1)[0] if " " in cut else cut


def check_urls(urls: Sequence[str] | None) -> list[str]:
    """The URLs to extract, or an InputError naming the first bad one."""
    if isinstance(urls, str):
        raise InputError("urls must be a list of URLs, not one string: urls=[...].")
    checked = [u.strip() for u in urls or ()]
    if not checked:
        raise InputError("urls is empty: give at least one http(s) URL to extract.")
    if len(checked) > MAX_EXTRACT_URLS:
        raise InputError(
            f"{len(checked)} URLs given; Extract takes at most {MAX_EXTRACT_URLS} per "
            "call. Split them over several calls."
        )
    for url in checked:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or " " in url:
            raise InputError(
                f"Not a web URL: {url!r}. Give full http(s) URLs such as "
                "https://example.com/page."
            )
    return checked


def extract_body(
    *,
    urls: Sequence[str] | None,
    objective: str | None = None,
    search_queries: Sequence[str] | None = None,
    excerpts: bool | ExcerptSettings | Mapping[str, Any] | None = None,
    full_content: bool | FullContentSettings | Mapping[str, Any] | None = None,
    max_chars_total: int | None = None,
    fetch_policy: FetchPolicy | Mapping[str, Any] | None = None,
    client_model: str | None = None,
    session_id: str | None = None,
) -> dict[str, Any]:
    """The JSON body of one extract (a `V1ExtractRequest`).

    `excerpts` True or False sends nothing: v1 always returns excerpts (the tool
    leaves them out of its answer on False); settings cap their length.

    Raises:
        InputError: no URL, a malformed URL, more than 20, bad settings.

    """
    body: dict[str, Any] = {"urls": check_urls(urls)}
    _put(body, "objective", objective.strip() if objective else None)
    queries = _texts(search_queries, "search_queries")
    if queries:
        body["search_queries"] = queries
    if max_chars_total is not None and max_chars_total < 1:
        raise InputError(f"max_chars_total must be 1 or more, got {max_chars_total}.")
    _put(body, "max_chars_total", max_chars_total)
    _put(body, "client_model", client_model)
    _put(body, "session_id", session_id)
    advanced: dict[str, Any] = {}
    _put_settings(
        advanced, "fetch_policy", settings(FetchPolicy, fetch_policy, "fetch_policy")
    )
    if not isinstance(excerpts, bool):
        _put_settings(
            advanced,
            "excerpt_settings",
            settings(ExcerptSettings, excerpts, "excerpts"),
        )
    if isinstance(full_content, bool):
        if full_content:
            advanced["full_content"] = True
    else:
        _put_settings(
            advanced,
            "full_content",
            settings(FullContentSettings, full_content, "full_content"),
        )
    if advanced:
        body["advanced_settings"] = advanced
    return body
