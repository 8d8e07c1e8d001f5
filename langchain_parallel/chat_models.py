"""`ChatParallelWeb`: LangChain's chat model for Parallel's web-research Chat API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any, Literal

from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.language_models import LangSmithParams, LanguageModelInput
from langchain_core.language_models.chat_models import (
    BaseChatModel,
    agenerate_from_stream,
    generate_from_stream,
)
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from pydantic import ConfigDict, Field, SecretStr, ValidationError

from langchain_parallel import _structured, _transport, citations
from langchain_parallel._client import ClientConfig, check_base_url
from langchain_parallel._messages import to_wire
from langchain_parallel._models import (
    DEFAULT_MODEL,
    MODELS,
    unknown_model,
    warn_if_short_timeout,
)
from langchain_parallel._settings import fill_from_settings
from langchain_parallel._wire import PROVIDER, StreamAssembler, completion_result
from langchain_parallel.errors import (
    ConfigError,
    InputError,
    MissingAPIKeyError,
    UnsupportedFeatureError,
)

# OpenAI-compatible parameters Parallel accepts and ignores. Sent when set (never as
# null) so that requests stay what the caller wrote.
_IGNORED_PARAMS = (
    "temperature",
    "max_tokens",
    "top_p",
    "frequency_penalty",
    "presence_penalty",
    "logit_bias",
    "seed",
    "user",
    "tools",
    "tool_choice",
)
# What a single call may set through `invoke(..., **kwargs)` or `.bind(...)`.
_CALL_PARAMS = frozenset(
    {
        *_IGNORED_PARAMS,
        "model",
        "response_format",
        "previous_interaction_id",
        "extra_body",
    }
)
# Relative to base_url, as the openai SDK's own chat resource posts it. Posting the
# JSON body ourselves skips the SDK's per-call TypedDict transform of `messages`.
_PATH = "/chat/completions"
# Settings that come from the environment / .env / config file when not passed.
_SETTINGS_FIELDS = ("api_key", "base_url", "model", "timeout", "max_retries")


class ChatParallelWeb(BaseChatModel):
    """Parallel's web-research chat models (`speed`, `lite`, `base`, `core`).

    Setup:
        Install `langchain-parallel` and set `PARALLEL_API_KEY`.

    Key init args:
        model: `speed` (default, seconds) or a research model `lite`, `base`, `core`
            (tens of seconds to minutes; citations in `response_metadata["basis"]`).
        api_key: Parallel API key; defaults to `PARALLEL_API_KEY`.
        base_url: API root; defaults to `PARALLEL_BASE_URL` or https://api.parallel.ai.
        timeout: seconds per request (and between stream chunks); defaults to
            `PARALLEL_TIMEOUT`, else a per-model default that fits its latency.
        max_retries: retries on 408/409/429/5xx and connection errors (default 2).

    OpenAI-compatible parameters (`temperature`, `max_tokens`, `top_p`,
    `frequency_penalty`, `presence_penalty`, `logit_bias`, `seed`, `user`, `tools`,
    `tool_choice`, `stop`) are accepted and sent, and Parallel ignores them.
    `response_format` is acted on; prefer `with_structured_output`.

    Example:
        ```python
        from langchain_parallel import ChatParallelWeb

        llm = ChatParallelWeb(model="speed")
        llm.invoke([("human", "What are the latest developments in AI?")])
        ```

    """

    model_config = ConfigDict(populate_by_name=True, protected_namespaces=())

    model: str = DEFAULT_MODEL
    """Model name: `speed`, `lite`, `base` or `core`."""
    api_key: SecretStr | None = None
    """Parallel API key (`PARALLEL_API_KEY`). Never logged or serialized."""
    base_url: str = "https://api.parallel.ai"
    """API root (`PARALLEL_BASE_URL`); requests go to `{base_url}/chat/completions`."""
    timeout: float | None = None
    """Seconds per request (`PARALLEL_TIMEOUT`); `None` picks the model's default."""
    max_retries: int = 2
    """Retries after the first attempt (`PARALLEL_MAX_RETRIES`)."""
    streaming: bool = False
    """Stream internally even for `invoke`."""
    response_format: dict[str, Any] | None = None
    """`{"type": "text" | "json_object" | "json_schema", ...}`, sent as given."""
    previous_interaction_id: str | None = None
    """Continue from an earlier answer's `interaction_id` (its research context)."""
    chain_interactions: bool = False
    """Send the latest `interaction_id` found in the history as the previous one."""
    extra_body: dict[str, Any] | None = None
    """Further JSON fields for the request body, sent as given."""
    temperature: float | None = None
    """Accepted for compatibility; ignored by Parallel."""
    max_tokens: int | None = None
    """Accepted for compatibility; ignored by Parallel."""
    stop: list[str] | None = None
    """Accepted for compatibility; ignored by Parallel."""
    top_p: float | None = None
    """Accepted for compatibility; ignored by Parallel."""
    frequency_penalty: float | None = None
    """Accepted for compatibility; ignored by Parallel."""
    presence_penalty: float | None = None
    """Accepted for compatibility; ignored by Parallel."""
    logit_bias: dict[str, float] | None = None
    """Accepted for compatibility; ignored by Parallel."""
    seed: int | None = None
    """Accepted for compatibility; ignored by Parallel."""
    user: str | None = None
    """Accepted for compatibility; ignored by Parallel."""
    tools: list[dict[str, Any]] | None = None
    """Accepted for compatibility; ignored by Parallel (it has no tool calling)."""
    tool_choice: str | dict[str, Any] | None = None
    """Accepted for compatibility; ignored by Parallel."""
    config_file: str | None = Field(default=None, exclude=True)
    """TOML config file to read settings from instead of `PARALLEL_CONFIG_FILE`."""

    def __init__(self, **kwargs: Any) -> None:
        """Fill unset settings from the environment, `.env` and config file; check all.

        Raises:
            ConfigError: an unknown argument or an invalid value, with what to do.

        """
        _refuse_unknown(kwargs)
        kwargs = fill_from_settings(kwargs, _SETTINGS_FIELDS)
        try:
            super().__init__(**kwargs)
        except ValidationError as exc:
            raise ConfigError(_describe(exc)) from exc
        self._check()

    def _check(self) -> None:
        if self.model not in MODELS:
            raise ConfigError(unknown_model(self.model))
        self.base_url = check_base_url(self.base_url)
        if self.timeout is not None:
            if self.timeout <= 0:
                raise ConfigError(
                    "timeout must be a positive number of seconds, "
                    f"got {self.timeout}. "
                    "Pass timeout=None for the model's default."
                )
            warn_if_short_timeout(self.model, self.timeout)
        if self.max_retries < 0:
            raise ConfigError(f"max_retries must be 0 or more, got {self.max_retries}.")

    # --- LangChain identity -------------------------------------------------

    @property
    def _llm_type(self) -> str:
        return "parallel-chat"

    @classmethod
    def is_lc_serializable(cls) -> bool:
        """Models serialize with `dumpd` / `dumps`, without their key."""
        return True

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        """`["langchain_parallel", "chat_models"]`."""
        return ["langchain_parallel", "chat_models"]

    @property
    def lc_secrets(self) -> dict[str, str]:
        """The key is serialized as a reference to `PARALLEL_API_KEY`."""
        return {"api_key": "PARALLEL_API_KEY"}

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "base_url": self.base_url,
            **self._default_params(),
        }

    def _get_ls_params(
        self, stop: list[str] | None = None, **kwargs: Any
    ) -> LangSmithParams:
        params = LangSmithParams(
            ls_provider=PROVIDER,
            ls_model_name=kwargs.get("model") or self.model,
            ls_model_type="chat",
        )
        if self.temperature is not None:
            params["ls_temperature"] = self.temperature
        if self.max_tokens is not None:
            params["ls_max_tokens"] = self.max_tokens
        if stop or self.stop:
            params["ls_stop"] = stop or self.stop
        return params

    # --- Requests -------------------------------------------------------------

    def _default_params(self) -> dict[str, Any]:
        params = {name: getattr(self, name) for name in _IGNORED_PARAMS}
        params["response_format"] = self.response_format
        params["stop"] = self.stop
        return {k: v for k, v in params.items() if v is not None}

    def _request(
        self,
        messages: Sequence[BaseMessage],
        stop: list[str] | None,
        kwargs: Mapping[str, Any],
    ) -> tuple[ClientConfig, dict[str, Any]]:
        """The client configuration and the JSON request body for one call."""
        unknown = set(kwargs) - _CALL_PARAMS - {"stream"}
        if unknown:
            raise InputError(
                f"Unknown call argument(s) {sorted(unknown)} for ChatParallelWeb; "
                f"accepted: {sorted(_CALL_PARAMS)}. Put extra request fields in "
                "extra_body={...}."
            )
        model = kwargs.get("model") or self.model
        if model not in MODELS:
            raise InputError(unknown_model(model))
        extra: dict[str, Any] = {**self._default_params(), **(self.extra_body or {})}
        extra.update(
            (k, v) for k, v in kwargs.items() if k in _CALL_PARAMS and v is not None
        )
        extra.update(extra.pop("extra_body", None) or {})
        extra.pop("model", None)
        if stop is not None:
            extra["stop"] = stop
        previous = (
            extra.pop("previous_interaction_id", None) or self.previous_interaction_id
        )
        if previous is None and self.chain_interactions:
            previous = _latest_interaction_id(messages)
        if previous:
            extra["previous_interaction_id"] = previous
        body = {"model": model, "messages": to_wire(messages), **extra}
        return self._client_config(model), body

    def _client_config(self, model: str) -> ClientConfig:
        if self.api_key is None or not self.api_key.get_secret_value():
            raise MissingAPIKeyError(
                "No Parallel API key: set the PARALLEL_API_KEY environment variable "
                "(or put it in .env), or pass api_key=... to ChatParallelWeb."
            )
        return ClientConfig(
            api_key=self.api_key.get_secret_value(),
            base_url=self.base_url,
            timeout=self.timeout or MODELS[model].default_timeout,
            max_retries=self.max_retries,
        )

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self.streaming:
            return generate_from_stream(
                self._stream(messages, stop, run_manager, **kwargs)
            )
        config, body = self._request(messages, stop, kwargs)
        content = _transport.post(config, _PATH, body)
        return completion_result(content, body["model"], config.base_url)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self.streaming:
            stream = self._astream(messages, stop, run_manager, **kwargs)
            return await agenerate_from_stream(stream)
        config, body = self._request(messages, stop, kwargs)
        content = await _transport.apost(config, _PATH, body)
        return completion_result(content, body["model"], config.base_url)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        config, body = self._request(messages, stop, kwargs)
        body["stream"] = True
        answer = StreamAssembler(body["model"], config.base_url)
        with _transport.stream(
            config, _PATH, body, lambda: answer.partial_content
        ) as pieces:
            for piece in pieces:
                for chunk in answer.feed(piece):
                    if run_manager:
                        run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk
        for chunk in answer.finish():
            if run_manager:
                run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        config, body = self._request(messages, stop, kwargs)
        body["stream"] = True
        answer = StreamAssembler(body["model"], config.base_url)
        async with _transport.astream(
            config, _PATH, body, lambda: answer.partial_content
        ) as pieces:
            async for piece in pieces:
                for chunk in answer.feed(piece):
                    if run_manager:
                        await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk
        for chunk in answer.finish():
            if run_manager:
                await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Runnable[Any, Any]:
        """Refuse: Parallel's Chat API has no tool calling.

        Raises:
            UnsupportedFeatureError: always (a `NotImplementedError`).

        """
        raise UnsupportedFeatureError(
            "Parallel's Chat API has no tool calling, so ChatParallelWeb cannot bind "
            "tools. Use with_structured_output for structured answers, or a model "
            "with tool calling for agents."
        )

    # --- Structured output ------------------------------------------------------

    def with_structured_output(
        self,
        schema: dict[str, Any] | type | None = None,
        *,
        method: Literal["json_schema", "json_mode", "function_calling"] = "json_schema",
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, Any]:
        """Answers parsed into `schema` (a pydantic model, TypedDict or JSON schema).

        Args:
            schema: The output schema. Required except for `method="json_mode"`.
            method: `"json_schema"` (default) sends `response_format` with the
                schema; `"function_calling"` is routed to the same JSON schema
                because Parallel has no tool calling; `"json_mode"` asks for a JSON
                object and parses it (describe the keys in the prompt).
            include_raw: Return `{"raw", "parsed", "parsing_error"}`; the raw
                message keeps its `response_metadata` (basis, interaction id).
            strict: Sent as the JSON schema's `strict` flag when given.
            kwargs: Not accepted; present for signature compatibility.

        Returns:
            A runnable that returns the parsed answer. An answer that does not fit
            the schema raises `StructuredOutputError`, whose `raw` keeps the text.

        """
        if kwargs:
            raise ConfigError(
                f"Unexpected with_structured_output arguments: {sorted(kwargs)}"
            )
        return _structured.structured_runnable(
            self, schema, method=method, include_raw=include_raw, strict=strict
        )


ChatParallel = ChatParallelWeb
"""Short alias of `ChatParallelWeb`."""


_ACCEPTED: frozenset[str] | None = None


def _refuse_unknown(kwargs: Mapping[str, Any]) -> None:
    # Computed on first use: model_fields is complete only after the class exists.
    global _ACCEPTED
    if _ACCEPTED is None:
        fields = ChatParallelWeb.model_fields
        _ACCEPTED = frozenset(fields) | {f.alias for f in fields.values() if f.alias}
    unknown = set(kwargs) - _ACCEPTED
    if unknown:
        raise ConfigError(
            f"Unknown argument(s) {sorted(unknown)} for ChatParallelWeb. Known request "
            f"parameters: {', '.join(('model', *_IGNORED_PARAMS, 'response_format'))}; "
            "put other request fields in extra_body={...}."
        )


def _describe(exc: ValidationError) -> str:
    problems = "; ".join(
        f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
    )
    return f"Invalid argument for ChatParallelWeb: {problems}"


def _latest_interaction_id(messages: Sequence[BaseMessage]) -> str | None:
    for message in reversed(messages):
        if isinstance(message, AIMessage):
            value = message.response_metadata.get("interaction_id")
            if isinstance(value, str) and value:
                return value
    return None


citations.register()
