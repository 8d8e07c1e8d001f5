"""`init_chat_model`: chat models from provider strings and config-file aliases.

```python
init_chat_model("parallel:speed")                       # provider:model
init_chat_model("speed", model_provider="parallel")     # split form
init_chat_model("research")                             # alias from parallel.toml
init_chat_model()                                       # the default model
init_chat_model("parallel:core", configurable_fields=("model",))   # set per call
```

How a string resolves is `_resolve.py`'s business; this module builds the model,
or a runnable that builds one per configuration.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.runnables import Runnable, RunnableConfig, ensure_config
from pydantic import SecretStr

from langchain_parallel._resolve import resolve
from langchain_parallel._settings import building, load_settings
from langchain_parallel.errors import ConfigError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel, LanguageModelInput


def init_chat_model(
    model: str | None = None,
    *,
    model_provider: str | None = None,
    configurable_fields: Literal["any"] | Sequence[str] | None = None,
    config_prefix: str | None = None,
    **kwargs: Any,
) -> Any:
    """Build a chat model from a provider string, an alias, or the default model.

    Args:
        model: `"<provider>:<model>"`, a bare model name (with `model_provider`, or
            one a provider lists, e.g. `"speed"`), or an alias from the config file's
            `[models.<alias>]`. `None` takes the default model: `PARALLEL_MODEL`,
            then `.env`, then the file's `default_model`, else `"parallel:speed"`.
        model_provider: The provider, when `model` does not name it.
        configurable_fields: Fields that may be set per call through
            `config={"configurable": {...}}`: `"any"` or a list such as
            `("model", "model_provider", "timeout")`. Returns a runnable that builds
            (and caches) the model for each configuration.
        config_prefix: Prefix of those configurable keys (`"<prefix>_model"`).
        kwargs: Passed to the model; they beat the alias's settings, which beat
            the environment, `.env` and the config file's top level.

    Returns:
        The chat model, or a configurable runnable when `configurable_fields` is set.

    Raises:
        ProviderError: Nothing resolves the name (the message lists the aliases,
            providers and their models, and the nearest match), or its provider is
            disabled or failed to load.
        ConfigError: A bad alias entry or config file; the message names the file
            and key.

    """
    if configurable_fields:
        defaults = {"model": model, "model_provider": model_provider, **kwargs}
        return ConfigurableChatModel(
            {k: v for k, v in defaults.items() if v is not None},
            configurable_fields,
            config_prefix or "",
        )
    return _build(model, model_provider, kwargs)


def _build(
    model: str | None, model_provider: str | None, kwargs: dict[str, Any]
) -> Any:
    settings = load_settings()
    choice = resolve(model, model_provider, kwargs, settings)
    if choice.provider is None:
        from langchain.chat_models import init_chat_model as langchain_init

        return langchain_init(
            choice.model, model_provider=choice.model_provider, **choice.kwargs
        )
    if choice.alias is None:
        with building(settings):
            return choice.provider.create(model=choice.model, **choice.kwargs)
    path = settings.config_file
    entry = frozenset(settings.models[choice.alias]) - set(kwargs)
    try:
        with building(settings, (f"models.{choice.alias} in {path}", entry)):
            return choice.provider.create(model=choice.model, **choice.kwargs)
    except ConfigError as exc:
        raise ConfigError(
            f"Config file {path}, [models.{choice.alias}]: {exc}"
        ) from exc


class ConfigurableChatModel(Runnable[Any, Any]):
    """A chat model chosen per call from `config["configurable"]`.

    Declarative calls (`bind`, `with_structured_output`, `bind_tools`) are recorded
    and applied to each model it builds.
    """

    def __init__(
        self,
        defaults: dict[str, Any],
        fields: Literal["any"] | Sequence[str],
        prefix: str,
        queued: tuple[tuple[str, tuple[Any, ...], dict[str, Any]], ...] = (),
    ) -> None:
        """Hold the defaults; nothing is built until a call."""
        self._defaults = defaults
        self._fields = fields
        self._prefix = f"{prefix}_" if prefix else ""
        self._queued = queued
        self._cache: dict[str, Runnable[Any, Any]] = {}

    def _params(self, config: RunnableConfig | None) -> dict[str, Any]:
        chosen = dict(self._defaults)
        for key, value in ensure_config(config).get("configurable", {}).items():
            if not key.startswith(self._prefix):
                continue
            field = key[len(self._prefix) :]
            if self._fields == "any" or field in self._fields:
                chosen[field] = value
        return chosen

    def _model(self, config: RunnableConfig | None) -> Runnable[Any, Any]:
        params = self._params(config)
        key = _cache_key(params)
        built = self._cache.get(key)
        if built is None:
            if len(self._cache) >= _MAX_CONFIGURATIONS:
                self._cache.clear()  # per-tenant keys churn; keep the cache bounded
            params = dict(params)
            built = _build(
                params.pop("model", None), params.pop("model_provider", None), params
            )
            for method, args, kwargs in self._queued:
                built = getattr(built, method)(*args, **kwargs)
            self._cache[key] = built
        return built

    def _queue(self, method: str, *args: Any, **kwargs: Any) -> ConfigurableChatModel:
        return ConfigurableChatModel(
            self._defaults,
            self._fields,
            self._prefix[:-1],
            (*self._queued, (method, args, kwargs)),
        )

    def bind(self, **kwargs: Any) -> ConfigurableChatModel:
        """Bind call arguments to every model built."""
        return self._queue("bind", **kwargs)

    def with_structured_output(
        self, *args: Any, **kwargs: Any
    ) -> ConfigurableChatModel:
        """Structured output from every model built."""
        return self._queue("with_structured_output", *args, **kwargs)

    def bind_tools(self, *args: Any, **kwargs: Any) -> ConfigurableChatModel:
        """Tools for every model built (for providers that support them)."""
        return self._queue("bind_tools", *args, **kwargs)

    def invoke(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        **kwargs: Any,
    ) -> Any:
        """Invoke the model this configuration selects."""
        return self._model(config).invoke(input, config, **kwargs)

    async def ainvoke(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        **kwargs: Any,
    ) -> Any:
        """Invoke the selected model asynchronously."""
        return await self._model(config).ainvoke(input, config, **kwargs)

    def stream(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        **kwargs: Any,
    ) -> Iterator[Any]:
        """Stream from the selected model."""
        yield from self._model(config).stream(input, config, **kwargs)

    async def astream(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[Any]:
        """Stream from the selected model asynchronously."""
        async for chunk in self._model(config).astream(input, config, **kwargs):
            yield chunk


def chat_model_for(model: str | None = None, **kwargs: Any) -> BaseChatModel:
    """`init_chat_model` without configurable fields, typed as a chat model."""
    built: BaseChatModel = _build(model, None, kwargs)
    return built


# How many configurations one configurable model keeps built at once.
_MAX_CONFIGURATIONS = 32


def _cache_key(params: dict[str, Any]) -> str:
    """A digest of the chosen parameters, secrets included by value.

    `repr` hides a `SecretStr`'s value, so keying on it would hand one caller's key
    to another; hashing the values keeps them apart without storing them as text.
    """

    def plain(value: Any) -> Any:
        if isinstance(value, SecretStr):
            return value.get_secret_value()
        return repr(value)

    text = json.dumps(params, sort_keys=True, default=plain)
    return hashlib.sha256(text.encode()).hexdigest()
