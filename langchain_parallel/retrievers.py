"""`ParallelSearchRetriever`: Parallel's Search API as a LangChain retriever."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import (
    AsyncCallbackManagerForRetrieverRun,
    CallbackManagerForRetrieverRun,
)
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import Field, field_validator

from langchain_parallel import _web_answers, _web_calls
from langchain_parallel._policies import ExcerptSettings, FetchPolicy, SourcePolicy
from langchain_parallel._web_calls import ParallelConnection
from langchain_parallel._web_requests import normalize_mode, search_body
from langchain_parallel.errors import InputError

__all__ = ["ParallelSearchRetriever"]

# What `invoke(query, max_results=3, ...)` may override for one call.
_CALL_ARGS = frozenset(
    {
        "max_results",
        "mode",
        "objective",
        "excerpts",
        "max_chars_total",
        "source_policy",
        "fetch_policy",
        "location",
        "client_model",
        "session_id",
    }
)


class ParallelSearchRetriever(ParallelConnection, BaseRetriever):
    """Web search results as `Document`s, for RAG chains.

    Each query becomes the search's one keyword query (with `objective`, when set,
    sent alongside). Each result is a `Document` whose `page_content` is its
    excerpts joined by blank lines and whose `metadata` holds `url`, `title`,
    `publish_date`, `search_id`, the `excerpts` list and the `query`.

    Setup:
        Install `langchain-parallel` and set `PARALLEL_API_KEY`.

    Example:
        ```python
        from langchain_parallel import ParallelSearchRetriever, SourcePolicy

        retriever = ParallelSearchRetriever(
            max_results=5,
            source_policy=SourcePolicy(include_domains=["arxiv.org"]),
        )
        docs = retriever.invoke("recent advances in protein folding")
        ```

    Every field below is a default that `invoke(query, max_results=3, ...)` can
    override for one call.

    """

    max_results: int = Field(default=5, ge=1)
    """Documents per query."""
    mode: str | None = None
    """`basic` (lowest latency) or `advanced` (the API's default)."""
    objective: str | None = None
    """An objective sent with every query (what the research is for)."""
    excerpts: ExcerptSettings | None = None
    """Excerpt length per result."""
    max_chars_total: int | None = Field(default=None, ge=1)
    """Cap on excerpt characters over all results."""
    source_policy: SourcePolicy | None = None
    """Domains to include or exclude and the earliest publish date."""
    fetch_policy: FetchPolicy | None = None
    """When to fetch pages live instead of using cached copies."""
    location: str | None = None
    """ISO 3166-1 alpha-2 country code for geo-targeted results."""
    client_model: str | None = None
    """The model that reads the documents."""
    session_id: str | None = None
    """Groups the searches and extracts of one task."""

    @field_validator("mode")
    @classmethod
    def _check_mode(cls, mode: str | None) -> str | None:
        return normalize_mode(mode, stacklevel=6)

    def _body(self, query: str, overrides: dict[str, Any]) -> dict[str, Any]:
        unknown = set(overrides) - _CALL_ARGS
        if unknown:
            raise InputError(
                f"Unknown argument(s) {sorted(unknown)} for ParallelSearchRetriever; "
                f"accepted: {sorted(_CALL_ARGS)}."
            )
        if not isinstance(query, str) or not query.strip():
            raise InputError("The query is empty: give the retriever some text.")
        args = {name: getattr(self, name) for name in _CALL_ARGS}
        args.update((k, v) for k, v in overrides.items() if v is not None)
        return search_body(search_queries=[query], **args)

    def _get_relevant_documents(
        self,
        query: str,
        *,
        run_manager: CallbackManagerForRetrieverRun,
        **kwargs: Any,
    ) -> list[Document]:
        body = self._body(query, kwargs)
        answer = _web_calls.post(self.client_config(), _web_calls.SEARCH, body)
        return _web_answers.documents(answer, query)

    async def _aget_relevant_documents(
        self,
        query: str,
        *,
        run_manager: AsyncCallbackManagerForRetrieverRun,
        **kwargs: Any,
    ) -> list[Document]:
        body = self._body(query, kwargs)
        answer = await _web_calls.apost(self.client_config(), _web_calls.SEARCH, body)
        return _web_answers.documents(answer, query)
