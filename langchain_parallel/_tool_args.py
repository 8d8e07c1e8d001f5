"""The arguments of the search and extract tools: all of them, and a model's share.

`SearchArgs` / `ExtractArgs` take every argument of the earlier integration (types
loose enough for its settings objects and plain dicts; unknown keys refused); the
tools validate a call against them once. `SearchCall` / `ExtractCall` are what a
model is shown and fills: a few arguments with short descriptions, valid as an
OpenAI or Anthropic function schema.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from langchain_parallel._policies import (
    ExcerptSettings,
    FetchPolicy,
    FullContentSettings,
    SourcePolicy,
)

_QUERIES = "2-3 keyword queries, 3-6 words each."
_SESSION = "session_id from an earlier search or extract of this task, if any."


class SearchCall(BaseModel):
    """Search the web; returns ranked pages with dated excerpts and URLs."""

    objective: str | None = Field(
        default=None, description="What you are looking for, in one sentence."
    )
    search_queries: list[str] = Field(description=_QUERIES)
    max_results: int | None = Field(
        default=None, ge=1, description="How many results (default 10)."
    )
    mode: Literal["basic", "advanced"] | None = Field(
        default=None, description="'basic' is fastest; 'advanced' (default) is best."
    )
    source_policy: SourcePolicy | None = Field(
        default=None, description="Limit domains or publication date."
    )
    location: str | None = Field(
        default=None, description="Two-letter country code, e.g. 'us'."
    )
    session_id: str | None = Field(default=None, description=_SESSION)


class SearchArgs(BaseModel):
    """Every argument of a search; all optional, unset ones take instance defaults."""

    model_config = ConfigDict(extra="forbid")

    objective: str | None = Field(default=None, description="The research goal.")
    search_queries: list[str] | None = Field(default=None, description=_QUERIES)
    max_results: int | None = Field(default=None, description="Results wanted.")
    excerpts: ExcerptSettings | dict[str, Any] | None = Field(
        default=None, description="Excerpt length per result."
    )
    max_chars_total: int | None = Field(
        default=None, description="Cap on excerpt characters over all results."
    )
    mode: str | None = Field(default=None, description="'basic' or 'advanced'.")
    source_policy: SourcePolicy | dict[str, Any] | None = Field(
        default=None, description="Domains to include/exclude, after_date."
    )
    fetch_policy: FetchPolicy | dict[str, Any] | None = Field(
        default=None, description="Cached copy or live fetch."
    )
    location: str | None = Field(default=None, description="ISO country code.")
    client_model: str | None = Field(default=None, description="The calling model.")
    session_id: str | None = Field(default=None, description=_SESSION)
    include_metadata: bool | None = Field(
        default=None, description="Add search_metadata (timing) to the answer."
    )
    timeout: float | None = Field(default=None, gt=0, description="Seconds, this call.")


class ExtractCall(BaseModel):
    """Read web pages; returns each page's relevant excerpts (or full text)."""

    urls: list[str] = Field(description="Up to 20 full http(s) URLs.")
    objective: str | None = Field(
        default=None, description="What to look for on the pages."
    )
    search_queries: list[str] | None = Field(
        default=None, description="Keywords to focus the excerpts."
    )
    full_content: bool | None = Field(
        default=None, description="Also return each page's full text."
    )
    session_id: str | None = Field(default=None, description=_SESSION)


class ExtractArgs(BaseModel):
    """Every argument of an extract; unset ones take instance defaults."""

    model_config = ConfigDict(extra="forbid")

    urls: list[str] = Field(description="Up to 20 full http(s) URLs.")
    objective: str | None = Field(default=None, description="What to look for.")
    search_objective: str | None = Field(
        default=None, description="Earlier name of objective."
    )
    search_queries: list[str] | None = Field(
        default=None, description="Keywords to focus the excerpts."
    )
    excerpts: bool | ExcerptSettings | dict[str, Any] | None = Field(
        default=None, description="False leaves excerpts out; settings cap them."
    )
    full_content: bool | FullContentSettings | dict[str, Any] | None = Field(
        default=None, description="Return full page text; settings cap it."
    )
    max_chars_total: int | None = Field(
        default=None, description="Cap on excerpt characters over all pages."
    )
    fetch_policy: FetchPolicy | dict[str, Any] | None = Field(
        default=None, description="Cached copy or live fetch."
    )
    client_model: str | None = Field(default=None, description="The calling model.")
    session_id: str | None = Field(default=None, description=_SESSION)
    timeout: float | None = Field(default=None, gt=0, description="Seconds, this call.")
