"""Every error langchain-parallel raises, in one tree.

```
ParallelError
├── ConfigError (ValueError)            bad argument, setting or config file
│   └── MissingAPIKeyError              no key in arguments, PARALLEL_API_KEY or .env
├── InputError (ValueError)             input the API cannot take (refused locally)
├── ProviderError (ValueError)          a model or tool name nothing resolves, or a
│                                       disabled or broken provider
├── PluginLoadError                     a provider plugin failed to load (strict mode)
├── UnsupportedFeatureError (NotImplementedError)  e.g. bind_tools: no tool calling
├── StructuredOutputError (ValueError)  an answer that does not fit the schema
└── APIError (ValueError)               anything that went wrong talking to the API
    ├── APIStatusError                  the server answered 4xx/5xx
    │   ├── BadRequestError             400
    │   ├── AuthenticationError         401  "Authentication failed ..."
    │   ├── PaymentRequiredError        402
    │   ├── PermissionDeniedError       403
    │   ├── NotFoundError               404
    │   ├── RequestTimeoutError         408
    │   ├── UnprocessableEntityError    422
    │   ├── RateLimitError              429  "Rate limit exceeded ..."
    │   └── ServerError                 5xx
    ├── APIConnectionError              no answer: refused, reset, cut mid-stream
    │   └── APITimeoutError             the request or stream timed out
    ├── APIResponseValidationError      a 200 answer that is no chat completion:
    │                                   HTML, empty, not JSON, or without a choice
    └── StreamError                     the stream reported an error or ended early
```

API errors are `ValueError`s so that `except ValueError` (the integration page's
example) keeps working. Each keeps `status_code`, the server's `message`,
`request_id`, `retry_after` and the decoded `body` where known, and is raised
`from` the SDK exception it translates. `translate` is the one place where
exceptions of the `openai` SDK (chat), the `parallel-web` SDK (search, extract,
tasks) and their transports become ours; it goes by exception type and status,
never by message text.
"""

from __future__ import annotations

import email.utils
import json
import math
import sys
import time
from collections.abc import Mapping
from typing import Any

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigError",
    "InputError",
    "MissingAPIKeyError",
    "NotFoundError",
    "ParallelError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "PluginLoadError",
    "ProviderError",
    "RateLimitError",
    "RequestTimeoutError",
    "ServerError",
    "StreamError",
    "StructuredOutputError",
    "UnprocessableEntityError",
    "UnsupportedFeatureError",
    "is_sdk_error",
    "translate",
    "translate_sdk_error",
]


class ParallelError(Exception):
    """Base class of every error raised by langchain-parallel."""


class ConfigError(ParallelError, ValueError):
    """An argument, environment variable, `.env` entry or config-file key is wrong."""


class MissingAPIKeyError(ConfigError):
    """No API key was given; the message names `PARALLEL_API_KEY`."""


class InputError(ParallelError, ValueError):
    """Input the API cannot take (messages, tool arguments); raised before sending."""


class ProviderError(ParallelError, ValueError):
    """A model or tool name nothing resolves, or whose provider is unavailable.

    The message lists what there is (aliases, providers and their models, tools)
    and the nearest match, or says why the provider cannot be used.
    """


class PluginLoadError(ParallelError):
    """A provider plugin failed to load while strict plugin loading is on."""


class UnsupportedFeatureError(ParallelError, NotImplementedError):
    """A LangChain feature Parallel's Chat API does not offer (tool calling)."""


class StructuredOutputError(ParallelError, ValueError):
    """The answer did not fit the requested schema; `raw` keeps the answer text."""

    def __init__(self, message: str, *, raw: str) -> None:
        """Keep the raw answer so nothing the API returned is lost."""
        super().__init__(message)
        self.raw = raw


class APIError(ParallelError, ValueError):
    """Something went wrong talking to the Parallel API."""

    status_code: int | None = None

    def __init__(
        self,
        message: str,
        *,
        server_message: str | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
        body: object = None,
        partial_content: str = "",
    ) -> None:
        """Build the error; `message` is the full, user-facing sentence."""
        super().__init__(message)
        self.message = server_message
        self.request_id = request_id
        self.retry_after = retry_after
        self.body = body
        # Text a stream delivered before it failed: kept so that nothing is lost.
        self.partial_content = partial_content


class APIStatusError(APIError):
    """The server answered with a 4xx or 5xx status."""

    def __init__(self, message: str, *, status_code: int, **kwargs: Any) -> None:
        """Build the error for one HTTP status."""
        super().__init__(message, **kwargs)
        self.status_code = status_code


class BadRequestError(APIStatusError):
    """400: the server refused the request as malformed."""


class AuthenticationError(APIStatusError):
    """401: the API key was refused."""


class PaymentRequiredError(APIStatusError):
    """402: the account has no credit left."""


class PermissionDeniedError(APIStatusError):
    """403: the key may not use this resource."""


class NotFoundError(APIStatusError):
    """404: wrong URL; usually a `base_url` that is not Parallel's."""


class RequestTimeoutError(APIStatusError):
    """408: the server gave up waiting (retried by the client first)."""


class UnprocessableEntityError(APIStatusError):
    """422: the request failed validation, e.g. an unknown model."""


class RateLimitError(APIStatusError):
    """429: too many requests; `retry_after` says when to try again if known."""


class ServerError(APIStatusError):
    """5xx: the server failed (retried by the client first)."""


class APIConnectionError(APIError):
    """No complete answer arrived: connection refused, reset or cut."""


class APITimeoutError(APIConnectionError):
    """The request, or a stream between two chunks, took longer than `timeout`."""


class APIResponseValidationError(APIError):
    """The server answered 200 with something that is not a chat completion.

    An HTML page (a proxy or a `base_url` that is not Parallel's), an empty body,
    a body that is not JSON, or JSON without a choice; the message names `base_url`
    and shows the start of the body. Raised alike for invoke and for a stream.
    """


class StreamError(APIError):
    """The stream carried an error event, or ended before the answer was complete."""


_LEADS: Mapping[int, tuple[type[APIStatusError], str, str]] = {
    400: (BadRequestError, "Bad request", ""),
    401: (
        AuthenticationError,
        "Authentication failed",
        "Check the key passed as api_key or set in PARALLEL_API_KEY.",
    ),
    402: (
        PaymentRequiredError,
        "Payment required",
        "Add credit to the Parallel account behind this key.",
    ),
    403: (PermissionDeniedError, "Permission denied", ""),
    404: (
        NotFoundError,
        "Not found",
        "Check base_url / PARALLEL_BASE_URL (default https://api.parallel.ai).",
    ),
    408: (RequestTimeoutError, "Request timed out on the server", ""),
    422: (UnprocessableEntityError, "Invalid request", ""),
    429: (
        RateLimitError,
        "Rate limit exceeded",
        "Slow down or retry later; max_retries retries automatically.",
    ),
}


def _server_message(body: object) -> str | None:
    """Pull the human message out of the three error shapes Parallel documents.

    `openai` has already unwrapped `{"error": {...}}` (Parallel's and OpenAI's shape)
    into the inner object; FastAPI validation errors come whole: `{"detail": [...]}`.
    """
    if isinstance(body, str):
        text = body.strip()
        if text.startswith("<"):
            return "the server answered with an HTML page, not the Parallel API"
        return text[:500] or None
    if not isinstance(body, Mapping):
        return None
    message = body.get("message")
    detail = body.get("detail")
    if isinstance(detail, list):
        parts = []
        for item in detail:
            if isinstance(item, Mapping):
                loc = ".".join(str(p) for p in item.get("loc", ()) if p != "body")
                msg = str(item.get("msg", ""))
                parts.append(f"{loc}: {msg}" if loc else msg)
            else:
                parts.append(str(item))
        detail = "; ".join(parts)
    elif isinstance(detail, Mapping):
        detail = json.dumps(detail, ensure_ascii=False)
    # Parallel's shape may carry both a message and a detail; say each once.
    pieces = [p for p in (message, detail) if isinstance(p, str) and p]
    return " - ".join(dict.fromkeys(pieces)) or None


def _error_object(body: object) -> object:
    # openai unwraps `{"error": {...}}` itself; parallel-web leaves the body whole.
    inner = body.get("error") if isinstance(body, Mapping) else None
    return inner if isinstance(inner, Mapping) else body


def _request_id(exc: Any) -> str | None:
    # openai reads `x-request-id` itself; parallel-web leaves it on the response.
    ref = getattr(exc, "request_id", None) or exc.response.headers.get("x-request-id")
    if isinstance(ref, str) and ref:
        return ref
    body = _error_object(exc.body)
    if isinstance(body, Mapping):
        ref = body.get("ref_id") or body.get("request_id")
        if isinstance(ref, str):
            return ref
    return None


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds the server asks us to wait, read as the SDKs read it.

    `retry-after-ms` first, then `retry-after` as seconds (fractions allowed), then
    `retry-after` as an HTTP-date (a date already past means now). Values that are
    negative, not finite or unreadable give `None`, as they do not tell a wait.
    """
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) / scale
        except ValueError:
            continue
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    value = headers.get("retry-after")
    date = email.utils.parsedate_tz(value) if value else None
    if date is None:
        return None
    try:
        # HTTP-dates have whole seconds; so does the wait derived from one.
        return float(max(0, round(email.utils.mktime_tz(date) - time.time())))
    except (OverflowError, ValueError):
        return None


def _sentence(lead: str, status: int | None, server: str | None, *extra: str) -> str:
    head = f"{lead} (HTTP {status})" if status is not None else lead
    text = f"{head}: {server.rstrip('.')}" if server else head
    tail = " ".join(e for e in extra if e)
    return f"{text}. {tail}".strip() if tail else text


def timed_out(timeout: float | None, while_reading: bool = False) -> APITimeoutError:
    """The timeout error, naming the timeout that ran out."""
    limit = f" within timeout={timeout:g} s" if timeout is not None else ""
    phase = "while reading the answer" if while_reading else "waiting for an answer"
    return APITimeoutError(
        f"Request timed out {phase}: no data{limit}. Raise timeout= (research "
        "models can take minutes) or retry."
    )


# The SDKs whose exceptions we translate: `openai` for chat, `parallel-web` for
# search, extract and tasks. Both are generated by Stainless, so their exception
# classes have the same names and attributes; `httpx2` and `httpx` are their
# transports, whose errors escape while a streamed body is read.
_SDKS = ("openai", "parallel")
_TRANSPORTS = ("httpx2", "httpx")


def _classes(modules: tuple[str, ...], name: str) -> tuple[type[BaseException], ...]:
    # Only the SDKs already imported can have raised: importing one here would cost
    # its import time for nothing.
    loaded = (sys.modules.get(module) for module in modules)
    return tuple(getattr(m, name) for m in loaded if m is not None)


def is_sdk_error(exc: BaseException) -> bool:
    """Whether `exc` comes from the `openai` or `parallel` SDK or their transports."""
    return isinstance(
        exc, _classes(_SDKS, "APIError") + _classes(_TRANSPORTS, "HTTPError")
    )


def translate_sdk_error(exc: Exception, timeout: float | None = None) -> ParallelError:
    """Return the package error for an SDK exception (the caller chains it)."""
    sdk: Any = exc  # one SDK's class or the other's: same attributes, typed apart
    if isinstance(exc, _classes(_SDKS, "APIStatusError")):
        status: int = sdk.status_code
        server = _server_message(_error_object(sdk.body))
        request_id = _request_id(exc)
        retry_after = _retry_after(sdk.response.headers)
        cls, lead, hint = _LEADS.get(
            status,
            (ServerError, "Server error", "")
            if status >= 500
            else (APIStatusError, "API error", ""),
        )
        extra = [hint]
        if retry_after is not None:
            extra.append(f"Retry after {retry_after:g} s.")
        if request_id:
            extra.append(f"Request id: {request_id}.")
        return cls(
            _sentence(lead, status, server, *extra),
            status_code=status,
            server_message=server,
            request_id=request_id,
            retry_after=retry_after,
            body=sdk.body,
        )
    if isinstance(exc, _classes(_SDKS, "APITimeoutError")):
        return timed_out(timeout)
    if isinstance(exc, _classes(_SDKS, "APIConnectionError")):
        cause = exc.__cause__
        reason = f" ({type(cause).__name__}: {cause})" if cause else ""
        return APIConnectionError(
            f"Connection error talking to the Parallel API{reason}. "
            "Check base_url / PARALLEL_BASE_URL and the network."
        )
    if isinstance(exc, _classes(_SDKS, "APIError")):
        server = _server_message(_error_object(sdk.body)) or sdk.message
        return StreamError(
            _sentence("The stream reported an error", None, server),
            server_message=server,
            body=sdk.body,
        )
    return APIError(f"Parallel API call failed: {exc}")


def translate(
    exc: Exception,
    timeout: float | None = None,
    partial_content: str = "",
) -> ParallelError:
    """Our error for an SDK error, or a transport error raised mid-stream.

    `partial_content` is the text a stream delivered before it failed.
    """
    if isinstance(exc, _classes(_TRANSPORTS, "TimeoutException")):
        error: ParallelError = timed_out(timeout, while_reading=True)
    elif isinstance(exc, _classes(_TRANSPORTS, "HTTPError")):
        error = APIConnectionError(
            f"The connection failed while reading the answer ({type(exc).__name__}: "
            f"{exc}); the answer is incomplete. Retry the request."
        )
    else:
        error = translate_sdk_error(exc, timeout)
    if isinstance(error, APIError) and partial_content:
        error.partial_content = partial_content
    return error
