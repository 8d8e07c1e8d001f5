"""Checks on what a user passes to `ChatParallelWeb`, with advice that is right.

People arrive with `ChatOpenAI` habits. What has a meaning here is accepted
(`model_name`, `model_kwargs`, `default_headers`, `http_client`, ...); the rest is
refused before any request, each name with the advice that fits it, rather than
silently dropped.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import httpx2
from pydantic import ValidationError

from langchain_parallel._request import CALL_BODY_PARAMS, CALL_OPTIONS
from langchain_parallel.errors import ConfigError, InputError, UnsupportedFeatureError

_TIMEOUT = "use timeout= (seconds; also bounds the wait between stream chunks)"
_NO_USAGE = "Parallel reports no token usage"
_RESPONSES = "an OpenAI Responses API / account option; Parallel has no counterpart"
_EFFORT = (
    "Parallel's models set their own effort: pick the model instead "
    "(speed, lite, base, core)"
)
_CLIENT = "pass your own httpx2 client as http_client= / http_async_client="

# ChatOpenAI arguments with no meaning here (or another name), and what to do.
CHAT_OPENAI_ADVICE: Mapping[str, str] = {
    "openai_api_key": "use api_key= or the PARALLEL_API_KEY environment variable",
    "openai_api_base": "use base_url= or the PARALLEL_BASE_URL environment variable",
    "openai_organization": "Parallel has no organizations; the key names the account",
    "organization": "Parallel has no organizations; the key names the account",
    "openai_proxy": "pass http_client=httpx2.Client(proxy=...) (and "
    "http_async_client=httpx2.AsyncClient(proxy=...) for async calls)",
    "http_socket_options": "pass http_client=httpx2.Client(transport="
    "httpx2.HTTPTransport(socket_options=...))",
    "client": _CLIENT,
    "async_client": _CLIENT,
    "root_client": _CLIENT,
    "root_async_client": _CLIENT,
    "request_timeout": _TIMEOUT,
    "stream_chunk_timeout": _TIMEOUT,
    "max_completion_tokens": "use max_tokens= (sent, and ignored by Parallel)",
    "stop_sequences": "use stop= (sent, and ignored by Parallel)",
    "n": "Parallel returns one answer per request; use batch() for several",
    "logprobs": "Parallel returns no log probabilities",
    "top_logprobs": "Parallel returns no log probabilities",
    "stream_usage": _NO_USAGE,
    "include_response_headers": "Parallel's response headers are not kept; errors "
    "keep request_id and retry_after",
    "tiktoken_model_name": "get_num_tokens is an approximation for Parallel's models",
    "reasoning_effort": _EFFORT,
    "reasoning": _EFFORT,
    "verbosity": _EFFORT,
    "use_previous_response_id": "use chain_interactions=True, which sends the "
    "latest interaction_id as previous_interaction_id",
    "default_query": "Parallel's Chat API takes no query parameters",
    "use_responses_api": _RESPONSES,
    "include": _RESPONSES,
    "store": _RESPONSES,
    "truncation": _RESPONSES,
    "context_management": _RESPONSES,
    "service_tier": _RESPONSES,
    "prompt_cache_options": _RESPONSES,
    "disabled_params": _RESPONSES,
}
# The arguments a ChatOpenAI user reaches for first, in the order they are named.
MAIN_ARGUMENTS = (
    "model (or model_name)",
    "api_key",
    "base_url",
    "timeout",
    "max_retries",
    "streaming",
    "response_format",
    "previous_interaction_id",
    "chain_interactions",
    "model_kwargs",
    "extra_body",
    "default_headers",
    "http_client",
    "http_async_client",
)


def refuse_unknown(kwargs: Mapping[str, Any], accepted: Iterable[str]) -> None:
    """Raise `ConfigError` for constructor arguments `ChatParallelWeb` lacks.

    Raises:
        ConfigError: each unknown name with the advice for a known `ChatOpenAI`
            name or the closest accepted one, and the accepted arguments.

    """
    accepted = set(accepted)
    unknown = sorted(set(kwargs) - accepted)
    if not unknown:
        return
    notes = []
    for name in unknown:
        advice = CHAT_OPENAI_ADVICE.get(name)
        if advice is None:
            close = difflib.get_close_matches(name, sorted(accepted), n=1)
            advice = f"did you mean {close[0]}?" if close else "unknown"
        notes.append(f"{name} ({advice})")
    raise ConfigError(
        f"Unknown argument(s) for ChatParallelWeb: {'; '.join(notes)}. "
        f"It takes {', '.join(MAIN_ARGUMENTS)}, the OpenAI-compatible parameters "
        "(temperature, max_tokens, stop, ...) and LangChain's own (callbacks, tags, "
        "metadata, rate_limiter, ...). Other request body fields go in "
        "model_kwargs={...} or extra_body={...}."
    )


def take_model_name(kwargs: dict[str, Any]) -> None:
    """Turn `model_name=` (ChatOpenAI's field name) into `model=`, in place.

    Raises:
        ConfigError: both were given.

    """
    if "model_name" not in kwargs:
        return
    if kwargs.get("model") is not None:
        raise ConfigError(
            "Pass model= or model_name= (the same thing), not both: "
            f"got model={kwargs['model']!r} and model_name={kwargs['model_name']!r}."
        )
    kwargs["model"] = kwargs.pop("model_name")


def check_http_clients(kwargs: Mapping[str, Any]) -> None:
    """`http_client` must be an `httpx2.Client`, `http_async_client` an async one.

    The `openai` SDK (3.x) runs on `httpx2`, a fork of `httpx`; its errors and
    responses are what the chat model reads.

    Raises:
        ConfigError: the wrong kind of client, with how to build the right one.

    """
    for name, cls in (
        ("http_client", httpx2.Client),
        ("http_async_client", httpx2.AsyncClient),
    ):
        value = kwargs.get(name)
        if value is None or isinstance(value, cls):
            continue
        got = f"{type(value).__module__}.{type(value).__qualname__}"
        hint = (
            f" httpx clients work the same way: build it with httpx2.{cls.__name__}"
            "(proxy=..., transport=..., ...) instead."
            if type(value).__module__.split(".")[0] == "httpx"
            else ""
        )
        raise ConfigError(
            f"{name} must be an httpx2.{cls.__name__} (the openai SDK runs on "
            f"httpx2, a fork of httpx), got {got}.{hint}"
        )


# Fields whose values may be credentials (header values can carry tokens).
_SECRET_FIELDS = frozenset({"api_key", "default_headers"})


def describe(exc: ValidationError, owner: str = "ChatParallelWeb") -> str:
    """A message for pydantic's errors that never shows the key's value.

    Raise it `from None`: the chained `ValidationError` would show the input.
    """
    problems = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"])
        # A model-level error's input is every argument, the key included.
        secret = not err["loc"] or err["loc"][0] in _SECRET_FIELDS
        shown = "" if secret else f" (got {err.get('input')!r})"
        message = err["msg"].removeprefix("Value error, ")  # our validators' words
        problems.append(f"{where}: {message}{shown}")
    return f"Invalid argument for {owner}: {'; '.join(problems)}"


def refuse_tools(tools: Sequence[Any], tool_choice: object) -> None:
    """Refuse tools, and a `tool_choice` that demands one: Parallel has no tool calling.

    Raises:
        UnsupportedFeatureError: any tool, named in the message.
        InputError: a `tool_choice` other than `None`, `"auto"` or `"none"`.

    """
    if tools:
        names = ", ".join(_tool_name(tool) for tool in tools)
        raise UnsupportedFeatureError(
            f"Parallel's Chat API has no tool calling, so ChatParallelWeb cannot "
            f"bind tools ({names}). For structured answers use "
            "with_structured_output(schema), or create_agent(model, tools=[], "
            "response_format=schema); for an agent that calls tools, use a model "
            "with tool calling and give it ParallelSearchTool."
        )
    if tool_choice not in (None, False, "auto", "none"):
        raise InputError(
            f"tool_choice={tool_choice!r} asks for a tool call, but no tools are "
            "bound (Parallel's Chat API has no tool calling)."
        )


def _tool_name(tool: Any) -> str:
    if isinstance(tool, Mapping):
        function = tool.get("function")
        name = function.get("name") if isinstance(function, Mapping) else None
        return str(name or tool.get("name") or "a tool")
    return str(getattr(tool, "name", None) or getattr(tool, "__name__", "a tool"))


def check_call(kwargs: Mapping[str, Any]) -> None:
    """Refuse call arguments that are neither body fields nor call options.

    Raises:
        InputError: an unknown argument (with advice for a `ChatOpenAI` one), or a
            bad per-call `timeout`.

    """
    unknown = set(kwargs) - CALL_BODY_PARAMS - CALL_OPTIONS
    if unknown:
        advice = [
            f"{name}: {CHAT_OPENAI_ADVICE[name]}"
            for name in sorted(unknown)
            if name in CHAT_OPENAI_ADVICE
        ]
        raise InputError(
            f"Unknown call argument(s) {sorted(unknown)} for ChatParallelWeb"
            + (f" ({'; '.join(advice)})" if advice else "")
            + f". A call takes {', '.join(sorted(CALL_BODY_PARAMS | CALL_OPTIONS))}; "
            "put other request body fields in extra_body={...}."
        )
    timeout = kwargs.get("timeout")
    if timeout is not None:
        check_timeout(timeout, InputError)


def check_timeout(timeout: object, error: type[ConfigError | InputError]) -> None:
    """Raise `error` unless `timeout` is a positive number of seconds."""
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, (int, float))
        or timeout <= 0
    ):
        raise error(
            f"timeout must be a positive number of seconds, got {timeout!r}. "
            "Pass timeout=None for the model's default."
        )
