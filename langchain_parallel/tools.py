"""Parallel's Search and Extract APIs as LangChain tools, for tool-calling agents.

`ParallelSearchTool` (alias `ParallelWebSearchTool`) and `ParallelExtractTool`
keep the names, arguments and return shapes of the earlier `langchain-parallel`:
invoked with a dict, search returns the response dict and extract a list with one
dict per URL. Called by an agent (with a `ToolCall`), the model reads a compact
text of the same answer and the full answer rides along as the `ToolMessage`'s
`artifact` (`response_format="content_and_artifact"`).

Every argument can be set on the instance as a default and overridden per call;
the schema shown to a model is a short subset of the arguments (`tool_call_schema`).
"""

# No `from __future__ import annotations` here: LangChain reads `_run`'s type hints
# on every call, and string annotations would be compiled again each time.
import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, ClassVar, Literal

from langchain_core.callbacks import (
    AsyncCallbackManagerForToolRun,
    CallbackManagerForToolRun,
)
from langchain_core.tools import BaseTool, ToolException
from pydantic import BaseModel, Field, ValidationError, field_validator

from langchain_parallel import _web_answers, _web_calls
from langchain_parallel._policies import (
    ExcerptSettings,
    FetchPolicy,
    FullContentSettings,
    SourcePolicy,
)
from langchain_parallel._tool_args import (
    ExtractArgs,
    ExtractCall,
    SearchArgs,
    SearchCall,
)
from langchain_parallel._web_calls import ParallelConnection
from langchain_parallel._web_requests import extract_body, normalize_mode, search_body
from langchain_parallel.errors import InputError

__all__ = ["ParallelExtractTool", "ParallelSearchTool", "ParallelWebSearchTool"]

# True while a tool answers a ToolCall: the model then reads the compact text.
# Set around `run`/`arun`, read inside `_run`/`_arun` (LangChain runs them in a copy
# of the caller's context, so the value is seen there and nowhere else).
_FOR_MODEL: ContextVar[bool] = ContextVar("_FOR_MODEL", default=False)


class _ParallelTool(ParallelConnection, BaseTool):
    """What both tools share: settings, the two renderings of one answer."""

    response_format: Literal["content", "content_and_artifact"] = "content_and_artifact"
    # The arguments are validated once, by `_checked`, against this model; LangChain
    # gets its JSON schema as `args_schema`, so that it does not introspect the
    # model's annotations again on every call (most of a tool call's overhead).
    _arguments: ClassVar[type[BaseModel]]

    # A model's bad arguments come back to it as an error ToolMessage it can act
    # on (see `_refusals`); a direct caller gets the InputError.
    handle_tool_error: bool | str | Callable[[ToolException], str] | None = True

    def run(self, *args: Any, **kwargs: Any) -> Any:
        """Run the tool; with a `tool_call_id`, the model reads the compact text."""
        token = _FOR_MODEL.set(kwargs.get("tool_call_id") is not None)
        try:
            return super().run(*args, **kwargs)
        finally:
            _FOR_MODEL.reset(token)

    async def arun(self, *args: Any, **kwargs: Any) -> Any:
        """Async `run`."""
        token = _FOR_MODEL.set(kwargs.get("tool_call_id") is not None)
        try:
            return await super().arun(*args, **kwargs)
        finally:
            _FOR_MODEL.reset(token)

    @contextmanager
    def _refusals(self) -> Iterator[None]:
        """Input refused for a model's tool call becomes a `ToolException`."""
        try:
            yield
        except InputError as exc:
            if not _FOR_MODEL.get():
                raise
            raise ToolException(f"{exc} Fix the arguments and call again.") from exc

    def _checked(self, args: dict[str, Any]) -> dict[str, Any]:
        """The arguments as given, validated against the tool's argument model."""
        try:
            valid = self._arguments.model_validate(args)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
                for err in exc.errors()
            )
            raise InputError(f"Invalid arguments for {self.name}: {problems}") from exc
        return {name: getattr(valid, name) for name in valid.model_fields_set}


def _pick(value: Any, default: Any) -> Any:
    return default if value is None else value


class ParallelSearchTool(_ParallelTool):
    """Web search over Parallel's Search API (`POST /v1/search`).

    Setup:
        Install `langchain-parallel` and set `PARALLEL_API_KEY`.

    Key init args (defaults for every call; each also a per-call argument):
        max_results, mode (`basic` / `advanced`), source_policy, excerpts,
        max_chars_total, fetch_policy, location, client_model, session_id,
        include_metadata; and api_key, base_url, timeout, max_retries as for
        `ChatParallelWeb`.

    Invoke:
        ```python
        from langchain_parallel import ParallelSearchTool

        tool = ParallelSearchTool(max_results=5)
        result = tool.invoke({"search_queries": ["renewable energy 2026"]})
        result["search_id"], result["results"][0]["url"]
        ```

    Returns `{"search_id", "session_id", "results": [{"url", "title",
    "publish_date", "excerpts"}], "warnings", "usage", "search_metadata"}` when
    invoked directly; an agent's model reads a compact text of it.
    """

    name: str = "parallel_web_search"
    description: str = (
        "Search the web with Parallel. Give 2-3 short keyword queries and, "
        "optionally, the objective in a sentence. Returns ranked pages with URL, "
        "title, publish date and relevant excerpts; cite the URLs."
    )
    args_schema: dict[str, Any] = SearchArgs.model_json_schema()
    _arguments = SearchArgs

    max_results: int | None = Field(default=None, ge=1)
    """Results per search (the API's default is 10)."""
    mode: str | None = None
    """`basic` (lowest latency) or `advanced` (the API's default)."""
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
    """The model that reads the results (lets Parallel tailor them)."""
    session_id: str | None = None
    """Groups the searches and extracts of one task."""
    include_metadata: bool = True
    """Add `search_metadata` (duration, timestamp, count) to direct answers."""

    @field_validator("mode")
    @classmethod
    def _check_mode(cls, mode: str | None) -> str | None:
        return normalize_mode(mode, stacklevel=7)

    @property
    def tool_call_schema(self) -> type[BaseModel]:
        """The arguments a model fills: a short, model-friendly subset."""
        return SearchCall

    def _body(self, args: dict[str, Any]) -> dict[str, Any]:
        return search_body(
            objective=args.get("objective"),
            search_queries=args.get("search_queries"),
            mode=_pick(args.get("mode"), self.mode),
            max_results=_pick(args.get("max_results"), self.max_results),
            max_chars_total=_pick(args.get("max_chars_total"), self.max_chars_total),
            excerpts=_pick(args.get("excerpts"), self.excerpts),
            source_policy=_pick(args.get("source_policy"), self.source_policy),
            fetch_policy=_pick(args.get("fetch_policy"), self.fetch_policy),
            location=_pick(args.get("location"), self.location),
            client_model=_pick(args.get("client_model"), self.client_model),
            session_id=_pick(args.get("session_id"), self.session_id),
        )

    def _answer(
        self, answer: dict[str, Any], started: dt.datetime, args: dict[str, Any]
    ) -> tuple[Any, dict[str, Any]]:
        output = _web_answers.search_output(answer)
        if _pick(args.get("include_metadata"), self.include_metadata):
            output["search_metadata"] = {
                "search_duration_seconds": round(
                    (dt.datetime.now() - started).total_seconds(), 3
                ),
                "search_timestamp": started.isoformat(),
                "actual_results_returned": len(output["results"]),
            }
        if _FOR_MODEL.get():
            return _web_answers.render_search(output), output
        return output, output

    def _run(
        self,
        run_manager: CallbackManagerForToolRun | None = None,
        **args: Any,
    ) -> tuple[Any, dict[str, Any]]:
        with self._refusals():
            args = self._checked(args)
            body = self._body(args)
        config = self.client_config()
        started = dt.datetime.now()
        answer = _web_calls.post(config, _web_calls.SEARCH, body, args.get("timeout"))
        return self._answer(answer, started, args)

    async def _arun(
        self,
        run_manager: AsyncCallbackManagerForToolRun | None = None,
        **args: Any,
    ) -> tuple[Any, dict[str, Any]]:
        with self._refusals():
            args = self._checked(args)
            body = self._body(args)
        config = self.client_config()
        started = dt.datetime.now()
        answer = await _web_calls.apost(
            config, _web_calls.SEARCH, body, args.get("timeout")
        )
        return self._answer(answer, started, args)


ParallelWebSearchTool = ParallelSearchTool
"""The earlier integration's name of `ParallelSearchTool`."""


class ParallelExtractTool(_ParallelTool):
    """Clean page content over Parallel's Extract API (`POST /v1/extract`).

    Setup:
        Install `langchain-parallel` and set `PARALLEL_API_KEY`.

    Key init args (defaults for every call; each also a per-call argument):
        objective, excerpts, full_content, max_chars_total, fetch_policy,
        client_model, session_id; `max_chars_per_extract` caps full content when
        `full_content=True`; and api_key, base_url, timeout, max_retries.

    Invoke:
        ```python
        from langchain_parallel import ParallelExtractTool

        tool = ParallelExtractTool()
        pages = tool.invoke({"urls": ["https://example.com"], "objective": "pricing"})
        pages[0]["url"], pages[0]["content"]
        ```

    Returns a list with one dict per URL, in the order given: `url`, `title`,
    `publish_date`, `excerpts`, `content` (the full content if asked for, else the
    excerpts joined) and `full_content` when asked for. A URL that could not be
    read is reported in its own entry with `error_type`, `http_status_code` and
    `content`; the call raises only when the request itself fails.
    """

    name: str = "parallel_extract"
    description: str = (
        "Read web pages with Parallel: give up to 20 URLs and what to look for. "
        "Returns each page's title and the excerpts relevant to the objective "
        "(or its full text); failed URLs are listed with their error."
    )
    args_schema: dict[str, Any] = ExtractArgs.model_json_schema()
    _arguments = ExtractArgs

    objective: str | None = None
    """What to look for on the pages, when a call gives none."""
    excerpts: bool | ExcerptSettings = True
    """Include excerpts (always returned by v1), or settings that cap them."""
    full_content: bool | FullContentSettings = False
    """Also return each page's full content (settings cap its length)."""
    max_chars_per_extract: int | None = Field(default=None, ge=1)
    """Cap on each page's full content when `full_content=True`."""
    max_chars_total: int | None = Field(default=None, ge=1)
    """Cap on excerpt characters over all pages."""
    fetch_policy: FetchPolicy | None = None
    """When to fetch pages live instead of using cached copies."""
    client_model: str | None = None
    """The model that reads the pages."""
    session_id: str | None = None
    """Groups the searches and extracts of one task."""

    @property
    def tool_call_schema(self) -> type[BaseModel]:
        """The arguments a model fills: a short, model-friendly subset."""
        return ExtractCall

    def _body(self, args: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        objective = args.get("objective")
        legacy = args.get("search_objective")
        if objective is not None and legacy is not None and objective != legacy:
            raise InputError(
                "Give objective or search_objective (its earlier name), not both."
            )
        excerpts = _pick(args.get("excerpts"), self.excerpts)
        full = _pick(args.get("full_content"), self.full_content)
        if full is True and self.max_chars_per_extract is not None:
            full = FullContentSettings(max_chars_per_result=self.max_chars_per_extract)
        body = extract_body(
            urls=args.get("urls"),
            objective=_pick(objective or legacy, self.objective),
            search_queries=args.get("search_queries"),
            excerpts=excerpts,
            full_content=full,
            max_chars_total=_pick(args.get("max_chars_total"), self.max_chars_total),
            fetch_policy=_pick(args.get("fetch_policy"), self.fetch_policy),
            client_model=_pick(args.get("client_model"), self.client_model),
            session_id=_pick(args.get("session_id"), self.session_id),
        )
        return body, excerpts is not False

    def _answer(
        self, answer: dict[str, Any], body: dict[str, Any], excerpts: bool
    ) -> tuple[Any, list[dict[str, Any]]]:
        entries = _web_answers.extract_output(answer, body["urls"], excerpts=excerpts)
        if _FOR_MODEL.get():
            return _web_answers.render_extract(entries, answer), entries
        return entries, entries

    def _run(
        self,
        run_manager: CallbackManagerForToolRun | None = None,
        **args: Any,
    ) -> tuple[Any, list[dict[str, Any]]]:
        with self._refusals():
            args = self._checked(args)
            body, excerpts = self._body(args)
        answer = _web_calls.post(
            self.client_config(), _web_calls.EXTRACT, body, args.get("timeout")
        )
        return self._answer(answer, body, excerpts)

    async def _arun(
        self,
        run_manager: AsyncCallbackManagerForToolRun | None = None,
        **args: Any,
    ) -> tuple[Any, list[dict[str, Any]]]:
        with self._refusals():
            args = self._checked(args)
            body, excerpts = self._body(args)
        config = self.client_config()
        answer = await _web_calls.apost(
            config, _web_calls.EXTRACT, body, args.get("timeout")
        )
        return self._answer(answer, body, excerpts)
