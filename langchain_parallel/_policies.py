"""Settings objects for Search and Extract, as the earlier integration named them.

`SourcePolicy`, `ExcerptSettings`, `FetchPolicy` and `FullContentSettings` keep the
names and fields of the earlier `langchain-parallel` (0.x), so code that builds them
keeps working. Each checks what the API documents (a fetch `max_age_seconds` of at
least 600, at most 200 domains in a source policy, an ISO `after_date`) before any
request, and `wire()` gives the JSON object the v1 API takes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_MAX_DOMAINS = 200


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def wire(self) -> dict[str, Any]:
        """The JSON object for the request: unset fields left out."""
        return self.model_dump(mode="json", exclude_none=True)


class ExcerptSettings(_Settings):
    """How long the excerpts of each result may be."""

    max_chars_per_result: int | None = Field(
        default=None, ge=1, description="Character cap on the excerpts of one URL."
    )


class FullContentSettings(_Settings):
    """How much of each page's full content Extract returns."""

    max_chars_per_result: int | None = Field(
        default=None, ge=1, description="Character cap on the full content of one URL."
    )


class FetchPolicy(_Settings):
    """When to fetch a page live instead of using the cached copy."""

    max_age_seconds: int | None = Field(
        default=None,
        ge=600,
        description="Fetch live when the cached copy is older (600 s or more).",
    )
    timeout_seconds: float | None = Field(
        default=None, gt=0, description="Seconds to wait for a live fetch."
    )
    disable_cache_fallback: bool = Field(
        default=False,
        description="Fail instead of falling back to an older cached copy.",
    )


class SourcePolicy(_Settings):
    """Which domains results may come from, and how recent they must be."""

    include_domains: list[str] | None = Field(
        default=None,
        description="Only these domains, e.g. ['nature.com', '.edu'].",
    )
    exclude_domains: list[str] | None = Field(
        default=None, description="Never these domains."
    )
    after_date: dt.date | None = Field(
        default=None,
        description="Only pages published on or after this date (YYYY-MM-DD).",
    )

    @field_validator("after_date", mode="before")
    @classmethod
    def _iso_date(cls, value: object) -> object:
        # A datetime would pass as a date and send its time too; keep the day.
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                raise ValueError(
                    f"after_date must be a date as YYYY-MM-DD, got {value!r}"
                ) from None
        return value

    @model_validator(mode="after")
    def _domain_budget(self) -> SourcePolicy:
        total = len(self.include_domains or ()) + len(self.exclude_domains or ())
        if total > _MAX_DOMAINS:
            raise ValueError(
                f"include_domains and exclude_domains hold {total} entries together; "
                f"the API takes at most {_MAX_DOMAINS}."
            )
        return self
