"""Connection settings and the one SDK boundary of the search and extract classes.

`ParallelConnection` gives the tools and the retriever the chat model's settings:
`api_key`, `base_url`, `timeout` and `max_retries`, each taken from the
environment, `.env` or the config file when not passed (`PARALLEL_API_KEY`,
`PARALLEL_BASE_URL`, ...). A missing key is refused when a request needs it, so a
tool can be built (and listed, or given to an agent) before the key is set.

`post` / `apost` send a search or extract request through `parallel-web`'s shared,
cached client, inside the transport's one translation boundary (`translated`), so
the SDK's exceptions surface as the package's errors, chained.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import parallel
from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator

from langchain_parallel._arguments import describe
from langchain_parallel._client import (
    ClientConfig,
    async_parallel_client,
    check_base_url,
    parallel_client,
    required_key,
)
from langchain_parallel._settings import DEFAULT_BASE_URL, fill_from_settings
from langchain_parallel._transport import translated
from langchain_parallel.errors import APIError, ConfigError

# Search answers in seconds; a live fetch of 20 pages can take a minute or more.
DEFAULT_TIMEOUT = 120.0
_SETTINGS_FIELDS = ("api_key", "base_url", "timeout", "max_retries")


class ParallelConnection(BaseModel):
    """The key, server, timeout and retries shared with the chat model."""

    api_key: SecretStr | None = None
    """Parallel API key (`PARALLEL_API_KEY`). Never logged or serialized."""
    base_url: str = DEFAULT_BASE_URL
    """API root (`PARALLEL_BASE_URL`)."""
    timeout: float | None = Field(default=None, gt=0)
    """Seconds per request (`PARALLEL_TIMEOUT`); default 120."""
    max_retries: int = Field(default=2, ge=0)
    """Retries on 408/409/429/5xx and connection errors (`PARALLEL_MAX_RETRIES`)."""
    config_file: str | None = Field(default=None, exclude=True)
    """TOML config file to read settings from instead of `PARALLEL_CONFIG_FILE`."""

    def __init__(self, **kwargs: Any) -> None:
        """Fill unset settings from the environment, `.env` and config file.

        Raises:
            ConfigError: an unknown argument, or an invalid argument or setting,
                saying which.

        """
        fields = type(self).model_fields
        unknown = set(kwargs) - set(fields) - {f.alias for f in fields.values()}
        if unknown:
            raise ConfigError(
                f"Unknown argument(s) {sorted(unknown)} for {type(self).__name__}; "
                f"accepted: {', '.join(sorted(fields))}."
            )
        kwargs = fill_from_settings(kwargs, _SETTINGS_FIELDS)
        try:
            super().__init__(**kwargs)
        except ValidationError as exc:
            # Not chained: pydantic's error shows every input, the key included.
            raise ConfigError(describe(exc, type(self).__name__)) from None

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        return check_base_url(value)

    def client_config(self) -> ClientConfig:
        """The configuration of the shared client; needs the key.

        Raises:
            MissingAPIKeyError: no key was passed or set.

        """
        return ClientConfig(
            api_key=required_key(self.api_key, type(self).__name__),
            base_url=self.base_url,
            timeout=self.timeout or DEFAULT_TIMEOUT,
            max_retries=self.max_retries,
        )


# The SDK resources' own paths. The body is posted as built (already JSON: the
# SDK's per-call TypedDict transform has nothing to convert) and the answer read as
# plain JSON, since callers get dicts; the SDK still brings auth, retries with
# backoff, timeouts and its exceptions. This cuts a third of the SDK's CPU time per
# call and keeps a tool call within 1.1x of a bare `client.search` (benchmarks/).
SEARCH = "/v1/search"
EXTRACT = "/v1/extract"


def _options(timeout: float | None) -> parallel.RequestOptions:
    return {"timeout": timeout} if timeout is not None else {}


def _decoded(content: bytes, path: str) -> dict[str, Any]:
    try:
        answer = json.loads(content)
    except ValueError as exc:
        raise APIError(
            f"The answer to POST {path} is not JSON ({content[:80]!r}); check "
            "base_url / PARALLEL_BASE_URL."
        ) from exc
    if not isinstance(answer, dict):
        raise APIError(f"The answer to POST {path} is not a JSON object: {answer!r}")
    return answer


def post(
    config: ClientConfig, path: str, body: dict[str, Any], timeout: float | None = None
) -> dict[str, Any]:
    """POST `body` to `path` on the shared client; the JSON answer as a dict."""
    with translated(timeout or config.timeout):
        response = parallel_client(config).post(
            path, body=body, options=_options(timeout), cast_to=httpx.Response
        )
    return _decoded(response.content, path)


async def apost(
    config: ClientConfig, path: str, body: dict[str, Any], timeout: float | None = None
) -> dict[str, Any]:
    """Async `post`."""
    with translated(timeout or config.timeout):
        client = await async_parallel_client(config)
        response = await client.post(
            path, body=body, options=_options(timeout), cast_to=httpx.Response
        )
    return _decoded(response.content, path)
