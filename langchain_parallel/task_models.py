"""`ChatParallelTask`: Parallel's deep-research Task API as a LangChain chat model."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Literal

from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.language_models import LangSmithParams, LanguageModelInput
from langchain_core.language_models.chat_models import (
    agenerate_from_stream,
    generate_from_stream,
)
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from pydantic import ConfigDict, Field, SecretStr, ValidationError

from langchain_parallel import _structured, _task_translator
from langchain_parallel._client import (
    ClientConfig,
    async_parallel_client,
    check_base_url,
    parallel_client,
    required_key,
)
from langchain_parallel._messages import latest_interaction_id
from langchain_parallel._processors import (
    DEFAULT_PROCESSOR,
    PROCESSORS,
    unknown_processor,
)
from langchain_parallel._settings import fill_from_settings
from langchain_parallel._task_batches import GroupBatching, as_chunk, as_result, take
from langchain_parallel._task_wait import (
    API_POLL_LIMIT,
    Poller,
    afollow,
    await_result,
    follow,
    wait,
)
from langchain_parallel._tasks import (
    PROVIDER,
    acreate,
    answer_message,
    check_extra_body,
    create,
    durable,
    failed,
    output_schema,
    task_input,
)
from langchain_parallel.errors import (
    ConfigError,
    InputError,
    UnsupportedFeatureError,
)

# What one call may set through `invoke(..., **kwargs)` or `.bind(...)`.
_CALL_PARAMS = frozenset(
    {
        "model",
        "task_output_schema",
        "response_format",
        "previous_interaction_id",
        "source_policy",
        "task_metadata",
        "time_budget",
        "extra_body",
    }
)
# Passed by LangChain itself, not by the caller; BaseChatModel pops the first one
# before `_generate`, but `batch` sees it.
_LANGCHAIN_KWARGS = frozenset({"ls_structured_output_format", "stream"})
_SETTINGS_FIELDS = ("api_key", "base_url", "timeout", "max_retries")
_DEFAULT_REQUEST_TIMEOUT = 60.0


class ChatParallelTask(GroupBatching):
    """Parallel's deep-research processors (`pro`, `ultra`, ...) as a chat model.

    Each call is a Task API run: created at once, then researched at Parallel for
    seconds (`lite`) to hours (`ultra8x`). `invoke` waits for the result (long-poll),
    `stream` shows the run's progress as reasoning blocks and then the answer,
    `batch` runs every input in one task group. A run outlives the process: errors
    raised after it was created carry `run_id`, and `result(run_id)` collects it.

    Setup:
        Install `langchain-parallel` and set `PARALLEL_API_KEY`.

    Key init args:
        model: the processor: `lite`, `base`, `core`, `core2x`, `pro` (default),
            `ultra`, `ultra2x`, `ultra4x`, `ultra8x`, each also as `<name>-fast`.
        time_budget: seconds to wait for a result before raising
            `TaskRunTimeoutError` (the run goes on); defaults per processor.
        task_output_schema: text description, `{"type": "auto"}`, or a JSON schema
            for the answer; prefer `with_structured_output`.
        api_key, base_url, timeout, max_retries: as for `ChatParallelWeb`; `timeout`
            is per HTTP request, not for the whole run.

    Example:
        ```python
        from langchain_parallel import ChatParallelTask

        llm = ChatParallelTask(model="ultra")
        answer = llm.invoke("How did EU battery regulation change in 2025?")
        answer.response_metadata["basis"]  # citations, reasoning, confidence
        ```

    """

    model_config = ConfigDict(
        populate_by_name=True, protected_namespaces=(), extra="forbid"
    )

    model: str = DEFAULT_PROCESSOR
    """The Task API processor."""
    api_key: SecretStr | None = Field(default=None, exclude=True)
    """Parallel API key (`PARALLEL_API_KEY`). Never logged or serialized."""
    base_url: str = "https://api.parallel.ai"
    """API root (`PARALLEL_BASE_URL`)."""
    timeout: float | None = None
    """Seconds per HTTP request (`PARALLEL_TIMEOUT`; default 60); see `time_budget`."""
    max_retries: int = 2
    """Retries of a failed request (`PARALLEL_MAX_RETRIES`); a 408 is not a failure."""
    time_budget: float | None = None
    """Seconds `invoke`/`stream`/`batch` wait for results; `None`: per processor."""
    poll_timeout: float = API_POLL_LIMIT
    """Seconds the server may hold one long-poll for the result (1 to 600)."""
    task_output_schema: str | dict[str, Any] | None = None
    """The run's output schema: a text description, `{"type": "auto"}` or a JSON
    schema (`None`: plain text). Prefer `with_structured_output` for schemas."""
    previous_interaction_id: str | None = None
    """Continue from an earlier answer's `interaction_id` (its research context)."""
    chain_interactions: bool = False
    """Send the latest `interaction_id` found in the history as the previous one."""
    source_policy: dict[str, Any] | None = None
    """`{"include_domains": [...], "exclude_domains": [...], "after_date": ...}`."""
    task_metadata: dict[str, str | int | float | bool] | None = None
    """Metadata stored with each run (the run's `metadata`; LangChain's own
    `metadata` field is for tracing)."""
    streaming: bool = False
    """Follow the run's events even for `invoke` (callbacks then see progress)."""
    enable_events: bool | None = None
    """Record progress events (`None`: the API's default; streams turn them on)."""
    extra_body: dict[str, Any] | None = None
    """Further run fields (`mcp_servers`, `webhook`, `advanced_settings`, ...)."""
    config_file: str | None = Field(default=None, exclude=True)
    """TOML config file to read settings from instead of `PARALLEL_CONFIG_FILE`."""

    def __init__(self, **kwargs: Any) -> None:
        """Fill unset settings from the environment, `.env` and config file; check all.

        Raises:
            ConfigError: an unknown argument or an invalid value, with what to do.

        """
        kwargs = fill_from_settings(kwargs, _SETTINGS_FIELDS)
        try:
            super().__init__(**kwargs)
        except ValidationError as exc:
            # Not chained: pydantic's own message shows the inputs, the key included.
            raise ConfigError(_describe(exc)) from None
        if self.model not in PROCESSORS:
            raise ConfigError(unknown_processor(self.model))
        self.base_url = check_base_url(self.base_url)
        for name in ("timeout", "time_budget"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ConfigError(f"{name} must be a positive number of seconds.")
        if not 1 <= self.poll_timeout <= API_POLL_LIMIT:
            raise ConfigError(f"poll_timeout must be 1 to {API_POLL_LIMIT} seconds.")
        if self.max_retries < 0:
            raise ConfigError(f"max_retries must be 0 or more, got {self.max_retries}.")
        check_extra_body(self.extra_body)
        output_schema(self.task_output_schema, None)  # refuse a bad schema now

    # --- LangChain identity -------------------------------------------------

    @property
    def _llm_type(self) -> str:
        return "parallel-task"

    @classmethod
    def is_lc_serializable(cls) -> bool:
        """Models serialize with `dumpd` / `dumps`; load them with one line.

        `load(dumpd(llm), valid_namespaces=["langchain_parallel"],
        allowed_objects=[ChatParallelTask])`. As for `ChatParallelWeb`, the key is
        not serialized in any form, not even as a reference: the loaded model reads
        `PARALLEL_API_KEY` (or `.env`, or the config file) as a new one does.
        """
        return True

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        """`["langchain_parallel", "task_models"]`."""
        return ["langchain_parallel", "task_models"]

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": self.model, "base_url": self.base_url}

    def _get_ls_params(
        self, stop: list[str] | None = None, **kwargs: Any
    ) -> LangSmithParams:
        return LangSmithParams(
            ls_provider=PROVIDER,
            ls_model_name=kwargs.get("model") or self.model,
            ls_model_type="chat",
        )

    # --- Requests -------------------------------------------------------------

    def _request(
        self,
        messages: Sequence[BaseMessage],
        stop: list[str] | None,
        kwargs: Mapping[str, Any],
    ) -> tuple[ClientConfig, dict[str, Any], float]:
        """The client configuration, the run-create body, and the time budget.

        Precedence: call arguments, then the model's fields; `extra_body` adds run
        fields and may not overwrite any of these.
        """
        unknown = set(kwargs) - _CALL_PARAMS - _LANGCHAIN_KWARGS
        if unknown:
            raise InputError(
                f"Unknown call argument(s) {sorted(unknown)} for ChatParallelTask; "
                f"accepted: {sorted(_CALL_PARAMS)}."
            )
        if stop:
            raise InputError(
                "The Task API has no stop sequences; remove stop=... (the answer "
                "is researched as a whole, not generated token by token)."
            )
        processor = kwargs.get("model") or self.model
        if processor not in PROCESSORS:
            raise InputError(unknown_processor(processor))
        # A call's schema (or response_format) replaces the model's.
        declared = kwargs.get("task_output_schema")
        response_format = kwargs.get("response_format")
        if declared is None and response_format is None:
            declared = self.task_output_schema
        with _as_input_error():
            schema = output_schema(declared, response_format)
        body: dict[str, Any] = {
            "processor": processor,
            "input": task_input(messages),
            "task_spec": {"output_schema": schema},
        }
        previous = kwargs.get("previous_interaction_id") or self.previous_interaction_id
        if previous is None and self.chain_interactions:
            previous = latest_interaction_id(messages)
        optional = {
            "previous_interaction_id": previous,
            "source_policy": kwargs.get("source_policy") or self.source_policy,
            "metadata": kwargs.get("task_metadata") or self.task_metadata,
            "enable_events": self.enable_events,
        }
        body.update((k, v) for k, v in optional.items() if v is not None)
        extra = {**(self.extra_body or {}), **(kwargs.get("extra_body") or {})}
        with _as_input_error():  # the model's own extra_body was checked when built
            check_extra_body(extra)
        body.update(extra)
        budget = kwargs.get("time_budget") or self._budget(processor)
        return self._client_config(), body, float(budget)

    def _budget(self, processor: str) -> float:
        info = PROCESSORS.get(processor) or PROCESSORS[self.model]
        return self.time_budget or info.default_budget

    def _client_config(self) -> ClientConfig:
        return ClientConfig(
            api_key=required_key(self.api_key, "ChatParallelTask"),
            base_url=self.base_url,
            timeout=self.timeout or _DEFAULT_REQUEST_TIMEOUT,
            max_retries=self.max_retries,
        )

    def _poller(self, budget: float, run_id: str = "") -> Poller:
        return Poller(budget, self.poll_timeout, self.max_retries, run_id)

    # --- invoke and stream ------------------------------------------------------

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
        config, body, budget = self._request(messages, stop, kwargs)
        done = take(body)
        if done is not None:
            return as_result(done)
        client = parallel_client(config)
        with durable(None, config.timeout):
            run = create(client, body)
        with durable(run.run_id, config.timeout):
            result = wait(client, self._poller(budget, run.run_id))
        return as_result(answer_message(result.run, result.output))

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
        config, body, budget = self._request(messages, stop, kwargs)
        done = take(body)
        if done is not None:
            return as_result(done)
        with durable(None, config.timeout):
            client = await async_parallel_client(config)
            run = await acreate(client, body)
        with durable(run.run_id, config.timeout):
            result = await await_result(client, self._poller(budget, run.run_id))
        return as_result(answer_message(result.run, result.output))

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        config, body, budget = self._request(messages, stop, kwargs)
        done = take(body)
        if done is not None:
            yield as_chunk(done)
            return
        body.setdefault("enable_events", True)
        client = parallel_client(config)
        with durable(None, config.timeout):
            run = create(client, body)
        with durable(run.run_id, config.timeout):
            for chunk in follow(client, run, self._poller(budget, run.run_id)):
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
        config, body, budget = self._request(messages, stop, kwargs)
        done = take(body)
        if done is not None:
            yield as_chunk(done)
            return
        body.setdefault("enable_events", True)
        with durable(None, config.timeout):
            client = await async_parallel_client(config)
            run = await acreate(client, body)
        with durable(run.run_id, config.timeout):
            poller = self._poller(budget, run.run_id)
            async for chunk in afollow(client, run, poller):
                if run_manager:
                    await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk

    # --- durable runs -------------------------------------------------------------

    def result(self, run_id: str, *, time_budget: float | None = None) -> AIMessage:
        """Collect the answer of a run created earlier (by any process).

        Waits like `invoke`, up to `time_budget` seconds (default: this model's
        budget, or the default of the processor the run is on).

        Raises:
            TaskRunFailedError: the run failed or was cancelled.
            TaskRunTimeoutError: the run is still going when the budget is spent.

        """
        config = self._client_config()
        client = parallel_client(config)
        with durable(run_id, config.timeout):
            run = client.task_run.retrieve(run_id)
            if run.status in ("failed", "cancelled"):
                raise failed(run)
            budget = time_budget or self._budget(run.processor)
            done = wait(client, self._poller(budget, run_id))
        return answer_message(done.run, done.output)

    async def aresult(
        self, run_id: str, *, time_budget: float | None = None
    ) -> AIMessage:
        """`result`, on the event loop."""
        config = self._client_config()
        with durable(run_id, config.timeout):
            client = await async_parallel_client(config)
            run = await client.task_run.retrieve(run_id)
            if run.status in ("failed", "cancelled"):
                raise failed(run)
            budget = time_budget or self._budget(run.processor)
            done = await await_result(client, self._poller(budget, run_id))
        return answer_message(done.run, done.output)

    # --- what the Task API does not offer, and structured output --------------------

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Runnable[Any, Any]:
        """Refuse: the Task API has no tool calling.

        Raises:
            UnsupportedFeatureError: always (a `NotImplementedError`).

        """
        raise UnsupportedFeatureError(
            "Parallel's Task API has no tool calling, so ChatParallelTask cannot "
            "bind tools. Use with_structured_output for structured answers."
        )

    def with_structured_output(
        self,
        schema: dict[str, Any] | type | None = None,
        *,
        method: Literal["json_schema", "json_mode", "function_calling"] = "json_schema",
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, Any]:
        """Answers in `schema` (pydantic model, TypedDict or JSON schema), natively.

        The schema becomes the run's JSON output schema, so Parallel researches each
        field and returns a basis per field: keep it with `include_raw=True`
        (`raw.response_metadata["basis"]`). `method="json_mode"` asks for the Task
        API's `auto` schema (Parallel picks the fields); `"function_calling"` is
        served like `"json_schema"`. The Task API always holds answers to the schema,
        so `strict` changes nothing.
        """
        if kwargs:
            raise ConfigError(
                f"Unexpected with_structured_output arguments: {sorted(kwargs)}"
            )
        return _structured.structured_runnable(
            self, schema, method=method, include_raw=include_raw, strict=strict
        )


@contextmanager
def _as_input_error() -> Iterator[None]:
    # The checks shared with the constructor raise ConfigError; in a call they
    # judge the call's arguments, which are input.
    try:
        yield
    except ConfigError as exc:
        raise InputError(str(exc)) from None


def _describe(exc: ValidationError) -> str:
    # Names and pydantic's reasons only, never an input: any of them may be the key
    # (`api_key=("sk-...",)`, or a misspelled `apikey=`).
    problems = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            problems.append(f"unknown argument {where!r}")
        else:
            problems.append(f"{where}: {err['msg']}")
    return "Invalid argument for ChatParallelTask: " + "; ".join(problems)


_task_translator.register()
