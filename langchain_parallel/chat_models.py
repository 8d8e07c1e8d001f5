"""`ChatParallelWeb`: LangChain's chat model for Parallel's web-research Chat API."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any, Literal

import httpx2
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
from langchain_core.messages.utils import count_tokens_approximately
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from pydantic import ConfigDict, Field, SecretStr, ValidationError

from langchain_parallel import _arguments, _transport, citations
from langchain_parallel._client import ClientConfig, check_base_url, required_key
from langchain_parallel._models import (
    DEFAULT_MODEL,
    MODELS,
    model_profile,
    unknown_model,
    warn_if_short_timeout,
)
from langchain_parallel._request import (
    IGNORED_PARAMS,
    build_body,
    check_extra,
)
from langchain_parallel._settings import DEFAULT_BASE_URL, fill_from_settings
from langchain_parallel._wire import PROVIDER, StreamAssembler, completion_result
from langchain_parallel.errors import (
    ConfigError,
    UnsupportedFeatureError,
)

# Relative to base_url, as the openai SDK's own chat resource posts it. Posting the
# JSON body ourselves skips the SDK's per-call TypedDict transform of `messages`.
_PATH = "/chat/completions"
# LangChain's rule of thumb for English text (`count_tokens_approximately`).
_CHARS_PER_TOKEN = 4.0
# Settings that come from the environment / .env / config file when not passed.
_SETTINGS_FIELDS = ("api_key", "base_url", "model", "timeout", "max_retries")
# The constructor's request body fields, in the order they are sent.
_CONSTRUCTOR_BODY = (*IGNORED_PARAMS, "response_format", "stop")


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

    `ChatOpenAI` habits that have a meaning here work: `model_name=`,
    `model_kwargs=`, `default_headers=`, `http_client=` / `http_async_client=`
    (your own `httpx2` clients: proxies, custom transports) and a per-call
    `timeout=`. Other `ChatOpenAI` arguments are refused with what to do instead.
    The request body's sources and their order are in `langchain_parallel._request`.

    Example:
        ```python
        from langchain_parallel import ChatParallelWeb

        llm = ChatParallelWeb(model="speed")
        llm.invoke([("human", "What are the latest developments in AI?")])
        ```

    """

    model_config = ConfigDict(populate_by_name=True, protected_namespaces=())

    model: str = DEFAULT_MODEL
    """Model name: `speed`, `lite`, `base` or `core` (`model_name=` also works)."""
    api_key: SecretStr | None = Field(default=None, exclude=True)
    """Parallel API key (`PARALLEL_API_KEY`). Never logged or serialized."""
    base_url: str = DEFAULT_BASE_URL
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
    model_kwargs: dict[str, Any] | None = None
    """Further request body fields, as in `ChatOpenAI`; `extra_body` overrides."""
    extra_body: dict[str, Any] | None = None
    """Further request body fields, sent as given; a call's arguments override."""
    default_headers: dict[str, str] | None = Field(
        default=None, exclude=True, repr=False
    )
    """HTTP headers sent with every request. Not serialized (they may be secret)."""
    http_client: httpx2.Client | None = Field(default=None, exclude=True, repr=False)
    """Your own `httpx2.Client` for sync calls (proxy, transport, ...); it is used
    as given, never cached or closed here. Not serialized. `httpx2` is the fork of
    `httpx` the `openai` SDK runs on: build it with `httpx2.Client(...)`."""
    http_async_client: httpx2.AsyncClient | None = Field(
        default=None, exclude=True, repr=False
    )
    """Your own `httpx2.AsyncClient` for async calls; as `http_client`."""
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
        _arguments.take_model_name(kwargs)
        _refuse_unknown(kwargs)
        _arguments.check_http_clients(kwargs)
        check_extra("model_kwargs", kwargs.get("model_kwargs"))
        check_extra("extra_body", kwargs.get("extra_body"))
        kwargs = fill_from_settings(kwargs, _SETTINGS_FIELDS)
        try:
            super().__init__(**kwargs)
        except ValidationError as exc:
            # Not chained: pydantic's own message shows the inputs, the key included.
            raise ConfigError(_arguments.describe(exc)) from None
        self._check()

    def _check(self) -> None:
        if self.model not in MODELS:
            raise ConfigError(unknown_model(self.model))
        if self.profile is None:
            # Read by LangChain, e.g. `create_agent` picks native structured output.
            # Set here rather than in `_resolve_model_profile`: LangChain then checks
            # the keys with `typing.get_type_hints`, a third of a model's build time,
            # and ours are known (a test holds them to `ModelProfile`'s).
            self.profile = model_profile(self.model)
        self.base_url = check_base_url(self.base_url)
        if self.timeout is not None:
            _arguments.check_timeout(self.timeout, ConfigError)
            warn_if_short_timeout(self.model, self.timeout)
        if self.max_retries < 0:
            raise ConfigError(f"max_retries must be 0 or more, got {self.max_retries}.")

    # --- LangChain identity -------------------------------------------------

    @property
    def _llm_type(self) -> str:
        return "parallel-chat"

    @property
    def model_name(self) -> str:
        """The model, under `ChatOpenAI`'s name for it."""
        return self.model

    @classmethod
    def is_lc_serializable(cls) -> bool:
        """Models serialize with `dumpd` / `dumps`; load them with one line.

        `load(dumpd(llm), valid_namespaces=["langchain_parallel"],
        allowed_objects=[ChatParallelWeb])`. The key is not serialized in any form,
        not even as a reference: the loaded model reads `PARALLEL_API_KEY` (or
        `.env`, or the config file) as a new one does, so no step of `load` ever
        holds the key, and no error it raises can show it. `default_headers` and
        the HTTP clients are not serialized either; pass them again.
        """
        return True

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        """`["langchain_parallel", "chat_models"]`."""
        return ["langchain_parallel", "chat_models"]

    @property
    def _identifying_params(self) -> dict[str, Any]:
        # Also LangChain's cache key: everything that shapes the request body.
        # LangChain reads it on every call, so it is built without detours.
        params: dict[str, Any] = {"model": self.model, "base_url": self.base_url}
        params.update(self._default_params())
        if self.model_kwargs:
            params["model_kwargs"] = self.model_kwargs
        if self.extra_body:
            params["extra_body"] = self.extra_body
        return params

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
        return {
            name: value
            for name in _CONSTRUCTOR_BODY
            if (value := getattr(self, name)) is not None
        }

    def _request(
        self,
        messages: Sequence[BaseMessage],
        stop: list[str] | None,
        kwargs: Mapping[str, Any],
    ) -> tuple[ClientConfig, dict[str, Any]]:
        """The client configuration and the JSON request body for one call."""
        if kwargs:  # most calls pass none: skip the checks' set arithmetic
            _arguments.check_call(kwargs)
        constructor = self._default_params()
        if self.previous_interaction_id is not None:
            constructor["previous_interaction_id"] = self.previous_interaction_id
        body = build_body(
            model=self.model,
            messages=messages,
            constructor=constructor,
            model_kwargs=self.model_kwargs,
            extra_body=self.extra_body,
            call=kwargs,
            stop=stop,
            chain_interactions=self.chain_interactions,
        )
        return self._client_config(body["model"], kwargs.get("timeout")), body

    def _client_config(self, model: str, timeout: float | None = None) -> ClientConfig:
        return ClientConfig(
            api_key=required_key(self.api_key, "ChatParallelWeb"),
            base_url=self.base_url,
            timeout=timeout or self.timeout or MODELS[model].default_timeout,
            max_retries=self.max_retries,
            default_headers=(
                tuple(self.default_headers.items()) if self.default_headers else ()
            ),
            http_client=self.http_client,
            http_async_client=self.http_async_client,
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

    def bind_tools(
        self,
        tools: Sequence[Any],
        *,
        tool_choice: str | dict[str, Any] | bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind call arguments; Parallel has no tool calling, so no tools.

        An empty `tools` is what `langchain.agents.create_agent(model, tools=[],
        response_format=...)` passes, together with the `response_format` it wants:
        those arguments are bound as with `.bind(...)`.

        Args:
            tools: Must be empty.
            tool_choice: `None`, `"auto"` or `"none"`; anything that demands a tool
                call cannot be honoured without tools.
            kwargs: Call arguments to bind (`response_format`, ...).

        Raises:
            UnsupportedFeatureError: for any tool (a `NotImplementedError`).
            InputError: a `tool_choice` that demands a tool, or an unknown argument.

        """
        _arguments.refuse_tools(tools, tool_choice)
        # `strict` is about tool schemas; with no tools it has nothing to change.
        kwargs.pop("strict", None)
        _arguments.check_call(kwargs)
        return self.bind(**kwargs)

    # --- Token counts ---------------------------------------------------------

    def get_num_tokens(self, text: str) -> int:
        """An approximate token count of `text`: one token per 4 characters.

        Parallel publishes no tokenizer and reports no usage, so no exact count
        exists; this is LangChain's own rule of thumb (`count_tokens_approximately`),
        good for budgeting, not billing. Pass `custom_get_token_ids=` to count with
        a tokenizer of your choice instead.
        """
        if self.custom_get_token_ids is not None:
            return super().get_num_tokens(text)
        return math.ceil(len(text) / _CHARS_PER_TOKEN)

    def get_num_tokens_from_messages(
        self, messages: list[BaseMessage], tools: Sequence[Any] | None = None
    ) -> int:
        """An approximate token count of `messages`, as `get_num_tokens` explains.

        Counts each message's text, role and name, plus a few tokens per message.
        """
        if tools:
            raise UnsupportedFeatureError(
                "Parallel's Chat API has no tool calling, so tools add no tokens "
                "to a request; count the messages alone."
            )
        if self.custom_get_token_ids is not None:
            return super().get_num_tokens_from_messages(messages)
        return count_tokens_approximately(messages, chars_per_token=_CHARS_PER_TOKEN)

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
        from langchain_parallel import _structured  # loaded by its only caller

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
    _arguments.refuse_unknown(kwargs, _ACCEPTED)


citations.register()
