"""Every error langchain-parallel raises, in one tree.

```
ParallelError (langchain_core ModelError)            retry? (is_retryable)
├── ConfigError (ValueError)                         no   bad argument or setting
│   └── MissingAPIKeyError                           no   no key anywhere
├── InputError (ModelInvalidRequestError, ValueError) no  refused before a request
├── ProviderError (ValueError)                       no   unknown name, provider off
├── PluginLoadError                                  no   plugin failed (strict)
├── UnsupportedFeatureError (NotImplementedError)    no   e.g. binding tools
├── StructuredOutputError (OutputParserException)    no   answer misses the schema
└── APIError (ValueError, openai.APIError)                talking to the API failed
    ├── APIStatusError (openai.APIStatusError)       no   any other 4xx
    │   ├── BadRequestError           400 ModelInvalidRequestError        no
    │   ├── AuthenticationError       401 ModelAuthenticationError        no
    │   ├── PaymentRequiredError      402                                 no
    │   ├── PermissionDeniedError     403 ModelPermissionDeniedError      no
    │   ├── NotFoundError             404 ModelNotFoundError              no
    │   ├── RequestTimeoutError       408 ModelTimeoutError               yes
    │   ├── UnprocessableEntityError  422 ModelInvalidRequestError        no
    │   ├── RateLimitError            429 ModelRateLimitError             yes
    │   └── ServerError               5xx ModelAPIError                   yes
    ├── APIConnectionError    ModelConnectionError                        yes
    │   └── APITimeoutError   ModelTimeoutError                           yes
    │       └── TaskRunTimeoutError  a task run outlived its time budget  yes
    ├── APIResponseValidationError (openai's)  a 200 that is no completion  no
    ├── StreamError           ModelAPIError: error event, or ended early  yes
    └── TaskRunFailedError    a task run ended failed or cancelled        no
```

Each status class also inherits `openai`'s class of the same name (`ServerError`:
`openai.InternalServerError`; 402 and 408 have none, so `openai.APIStatusError`);
`APIConnectionError`, `APITimeoutError` and `APIResponseValidationError` inherit
theirs. 401 messages start
"Authentication failed", 429 messages "Rate limit exceeded".

Three kinds of `except` catch these: LangChain's provider-neutral classes
(`langchain_core.exceptions.ModelRateLimitError`, ...), the `openai` SDK's classes
(code written for `ChatOpenAI` keeps working), and this package's classes; API errors
are also `ValueError`s, so the integration page's `except ValueError` keeps working.
Every class is a LangChain `ModelError`, so LangChain's retry middleware asks its
`is_retryable`: only errors after which the same request may succeed (429, 408, 5xx,
timeouts, connection and stream failures) say yes; a bad key, bad input or bad
configuration fails the same way every time.

An API error's `message` is the whole sentence (as `str(exc)`, and as in `openai`);
`server_message` is what the server said, `status_code`, `request_id`,
`retry_after`, `body`, `request` and `response` are kept where known, and it is
raised `from` the SDK exception it translates. Errors raised after a task run was
created carry its `run_id`, so the run (which goes on at Parallel) can be collected
later. `translate` is the one place where
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

import openai
from langchain_core.exceptions import (
    ModelAPIError,
    ModelAuthenticationError,
    ModelConnectionError,
    ModelError,
    ModelInvalidRequestError,
    ModelNotFoundError,
    ModelPermissionDeniedError,
    ModelRateLimitError,
    ModelTimeoutError,
    OutputParserException,
)

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
    "TaskRunFailedError",
    "TaskRunTimeoutError",
    "UnprocessableEntityError",
    "UnsupportedFeatureError",
    "is_sdk_error",
    "retry_after_seconds",
    "translate",
    "translate_sdk_error",
]


class ParallelError(ModelError):
    """Base class of every error raised by langchain-parallel.

    A LangChain `ModelError`: `is_retryable` is `False` unless a subclass says
    otherwise.
    """

    run_id: str | None = None
    """The task run this error happened to, once one was created (it goes on)."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickle (process pools, checkpoints) without calling `__init__`, whose
        # keyword-only arguments the default reduction cannot pass. The HTTP request
        # and response stay behind: their headers carry the API key.
        state = {**self.__dict__, "request": None, "response": None}
        return (_rebuild, (type(self), self.args), state)


def _rebuild(cls: type[ParallelError], args: tuple[Any, ...]) -> ParallelError:
    error = cls.__new__(cls, *args)
    Exception.__init__(error, *args)
    return error


class ConfigError(ParallelError, ValueError):
    """An argument, environment variable, `.env` entry or config-file key is wrong."""


class MissingAPIKeyError(ConfigError):
    """No API key was given; the message names `PARALLEL_API_KEY`."""


class InputError(ParallelError, ModelInvalidRequestError, ValueError):
    """Input the API cannot take (messages, tool arguments); refused before sending."""


class ProviderError(ParallelError, ValueError):
    """A model or tool name nothing resolves, or whose provider is unavailable.

    The message lists what there is (aliases, providers and their models, tools)
    and the nearest match, or says why the provider cannot be used.
    """


class PluginLoadError(ParallelError):
    """A provider plugin failed to load while strict plugin loading is on."""


class UnsupportedFeatureError(ParallelError, NotImplementedError):
    """A LangChain feature the Parallel API does not offer (tool calling)."""


class StructuredOutputError(ParallelError, OutputParserException):
    """The answer did not fit the requested schema; `raw` keeps the answer text.

    An `OutputParserException` (and so a `ValueError`), as LangChain's parsers
    raise; `llm_output` is the same text as `raw`.
    """

    def __init__(self, message: str, *, raw: str) -> None:
        """Keep the raw answer so nothing the API returned is lost."""
        # OutputParserException.__init__ would append a troubleshooting link to the
        # message; set its attributes instead.
        Exception.__init__(self, message)
        self.raw = raw
        self.llm_output = raw
        self.observation = None
        self.send_to_llm = False


class APIError(ParallelError, ValueError, openai.APIError):
    """Something went wrong talking to the Parallel API.

    Attributes:
        message: The whole sentence, as `str(exc)`.
        server_message: What the server said, when it said something.
        request_id: The server's id for the request, to quote to support.
        retry_after: Seconds the server asked to wait, when it did.
        body: The decoded error body (or its text), when there was one.
        request: The HTTP request, when one was sent.
        partial_content: Text a stream delivered before it failed.

    """

    def __init__(
        self,
        message: str,
        *,
        server_message: str | None = None,
        request: Any = None,
        request_id: str | None = None,
        retry_after: float | None = None,
        body: object = None,
        partial_content: str = "",
    ) -> None:
        """Build the error; `message` is the full, user-facing sentence."""
        # openai.APIError.__init__ insists on a request; set its attributes here.
        Exception.__init__(self, message)
        self.message = message
        self.server_message = server_message
        self.request = request
        self.request_id = request_id
        self.retry_after = retry_after
        self.body = body
        self.partial_content = partial_content
        fields = body if isinstance(body, Mapping) else {}
        # The attributes `openai.APIError` derives from an OpenAI-shaped body.
        self.code = _text(fields.get("code"))
        self.param = _text(fields.get("param"))
        self.type = _text(fields.get("type"))


def _text(value: object) -> str | None:
    return None if value is None else str(value)


class APIStatusError(APIError, openai.APIStatusError):
    """The server answered with a 4xx or 5xx status.

    Attributes:
        status_code: The HTTP status.
        response: The HTTP response (`httpx2` for chat, `httpx` for the
            `parallel-web` SDK; the same interface).

    """

    def __init__(
        self, message: str, *, status_code: int, response: Any = None, **kwargs: Any
    ) -> None:
        """Build the error for one HTTP status."""
        super().__init__(message, **kwargs)
        self.status_code = status_code
        self.response = response


class BadRequestError(APIStatusError, ModelInvalidRequestError, openai.BadRequestError):
    """400: the server refused the request as malformed."""


class AuthenticationError(
    APIStatusError, ModelAuthenticationError, openai.AuthenticationError
):
    """401: the API key was refused."""


class PaymentRequiredError(APIStatusError):
    """402: the account has no credit left."""


class PermissionDeniedError(
    APIStatusError, ModelPermissionDeniedError, openai.PermissionDeniedError
):
    """403: the key may not use this resource."""


class NotFoundError(APIStatusError, ModelNotFoundError, openai.NotFoundError):
    """404: wrong URL; usually a `base_url` that is not Parallel's."""


class RequestTimeoutError(APIStatusError, ModelTimeoutError):
    """408: the server gave up waiting (retried by the client first)."""


class UnprocessableEntityError(
    APIStatusError, ModelInvalidRequestError, openai.UnprocessableEntityError
):
    """422: the request failed validation, e.g. an unknown model."""


class RateLimitError(APIStatusError, ModelRateLimitError, openai.RateLimitError):
    """429: too many requests; `retry_after` says when to try again if known."""


class ServerError(APIStatusError, ModelAPIError, openai.InternalServerError):
    """5xx: the server failed (retried by the client first)."""


class APIConnectionError(APIError, ModelConnectionError, openai.APIConnectionError):
    """No complete answer arrived: connection refused, reset or cut."""


class APITimeoutError(APIConnectionError, ModelTimeoutError, openai.APITimeoutError):
    """The request, or a stream between two chunks, took longer than `timeout`."""


class APIResponseValidationError(APIError, openai.APIResponseValidationError):
    """The server answered 200 with something that is not a chat completion.

    An HTML page (a proxy or a `base_url` that is not Parallel's), an empty body,
    a body that is not JSON, or JSON without a choice; the message names `base_url`
    and shows the start of the body. Raised alike for invoke and for a stream.
    Not retryable: a server that is not Parallel's answers the same way again.
    """

    status_code = 200  # the answer came with success; its body was not one

    def __init__(self, message: str, *, response: Any = None, **kwargs: Any) -> None:
        """Build the error; `response` is the 200 answer when it is at hand."""
        super().__init__(message, **kwargs)
        self.response = response


class StreamError(APIError, ModelAPIError):
    """The stream carried an error event, or ended before the answer was complete."""


class TaskRunTimeoutError(APITimeoutError):
    """A task run did not finish within the time budget; it goes on at Parallel."""


class TaskRunFailedError(APIError):
    """A task run ended `failed` or `cancelled`; `status` says which."""

    status: str = "failed"


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


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
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


def timed_out(
    timeout: float | None, while_reading: bool = False, request: Any = None
) -> APITimeoutError:
    """The timeout error, naming the timeout that ran out."""
    limit = f" within timeout={timeout:g} s" if timeout is not None else ""
    phase = "while reading the answer" if while_reading else "waiting for an answer"
    return APITimeoutError(
        f"Request timed out {phase}: no data{limit}. Raise timeout= (research "
        "models can take minutes) or retry.",
        request=request,
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
    # Ours are `openai.APIError`s too, but already translated.
    return not isinstance(exc, ParallelError) and isinstance(
        exc, _classes(_SDKS, "APIError") + _classes(_TRANSPORTS, "HTTPError")
    )


def translate_sdk_error(exc: Exception, timeout: float | None = None) -> ParallelError:
    """Return the package error for an SDK exception (the caller chains it)."""
    sdk: Any = exc  # one SDK's class or the other's: same attributes, typed apart
    if isinstance(exc, _classes(_SDKS, "APIStatusError")):
        status: int = sdk.status_code
        server = _server_message(_error_object(sdk.body))
        request_id = _request_id(exc)
        retry_after = retry_after_seconds(sdk.response.headers)
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
            request=sdk.request,
            response=sdk.response,
            request_id=request_id,
            retry_after=retry_after,
            body=sdk.body,
        )
    if isinstance(exc, _classes(_SDKS, "APITimeoutError")):
        return timed_out(timeout, request=sdk.request)
    if isinstance(exc, _classes(_SDKS, "APIConnectionError")):
        cause = exc.__cause__
        reason = f" ({type(cause).__name__}: {cause})" if cause else ""
        return APIConnectionError(
            f"Connection error talking to the Parallel API{reason}. "
            "Check base_url / PARALLEL_BASE_URL and the network.",
            request=sdk.request,
        )
    # What is left of the SDKs' errors is raised only by their own SSE readers and
    # strict response validation, neither of which this package uses.
    return APIError(
        f"Parallel API call failed: {exc}", request=getattr(exc, "request", None)
    )


def translate(
    exc: Exception,
    timeout: float | None = None,
    partial_content: str = "",
) -> ParallelError:
    """Our error for an SDK error, or a transport error raised mid-stream.

    `partial_content` is the text a stream delivered before it failed. One of
    ours (an `openai.APIError` too, so caught alongside the SDK's) passes through.
    """
    if isinstance(exc, ParallelError):
        error: ParallelError = exc
    elif isinstance(exc, _classes(_TRANSPORTS, "TimeoutException")):
        error = timed_out(timeout, while_reading=True, request=_request_of(exc))
    elif isinstance(exc, _classes(_TRANSPORTS, "HTTPError")):
        error = APIConnectionError(
            f"The connection failed while reading the answer ({type(exc).__name__}: "
            f"{exc}); the answer is incomplete. Retry the request.",
            request=_request_of(exc),
        )
    else:
        error = translate_sdk_error(exc, timeout)
    if isinstance(error, APIError) and partial_content and not error.partial_content:
        error.partial_content = partial_content
    return error


def _request_of(exc: Exception) -> Any:
    # A transport error's `request` is a property that raises when none was set.
    try:
        return getattr(exc, "request", None)
    except RuntimeError:
        return None
