"""From a model string to a provider, a model name and arguments, or a clear error.

The order, for `init_chat_model(model, model_provider=..., **kwargs)`:

1. No `model`: the default model (`PARALLEL_MODEL`, `.env`, the file's
   `default_model`, else `parallel:speed`).
2. An alias from the config file's `[models.<alias>]`: its `model`, with its other
   keys as arguments below the explicit ones.
3. `"<provider>:<model>"` whose prefix the built-in module or an installed plugin
   claims (decided from entry-point names, importing no plugin); or a bare name
   that a provider lists (the built-in providers are asked first).
4. Anything else goes to LangChain's `init_chat_model` when LangChain can resolve
   it; otherwise `ProviderError` lists the aliases, providers and their models and
   suggests the nearest name. A disabled or broken provider is never passed on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from langchain_parallel._bridge import Creator as bridge_creator
from langchain_parallel._hints import nearest
from langchain_parallel._settings import (
    DEFAULT_MODEL,
    building,
    load_settings,
)
from langchain_parallel.errors import ConfigError, ProviderError
from langchain_parallel.hookspecs import Provider
from langchain_parallel.registry import Registry, get_registry

if TYPE_CHECKING:
    from langchain_parallel._settings_model import ParallelSettings


@dataclass(frozen=True)
class Choice:
    """A resolved chat model: what builds it, from which name and arguments."""

    provider: Provider | None
    """Ours: `provider.create(model=model, **kwargs)`; None: LangChain's to build."""
    model: str
    kwargs: dict[str, Any]
    alias: str | None = None
    model_provider: str | None = None
    """For LangChain: the provider named apart from the model, if any."""


def resolve(
    model: str | None,
    model_provider: str | None,
    kwargs: dict[str, Any],
    settings: ParallelSettings,
) -> Choice:
    """The provider and arguments for `model` (or LangChain, to build it).

    Raises:
        ProviderError: Nothing resolves the name, or its provider is disabled or
            failed to load; the message says which, and what there is instead.

    """
    defaulted, alias = model is None, None
    if model is None:
        model = settings.model or DEFAULT_MODEL
    if model_provider is None and model in settings.models:
        alias = model
        entry = dict(settings.models[alias])
        model = entry.pop("model")
        kwargs = {**entry, **kwargs}

    def source() -> str:  # for errors only: finding a default's origin reads files
        if alias is not None:
            return f" (from models.{alias} in {settings.config_file})"
        return f" (from {settings.origin('model')})" if defaulted else ""

    registry = get_registry()
    name, prefix = model, model_provider
    if prefix is None:
        head, sep, rest = model.partition(":")
        if sep and registry.claimed(head):
            prefix, name = head, rest
        elif not sep:
            prefix = registry.provider_of(model)
    if prefix is None or not registry.claimed(prefix):
        if _langchain_resolves(model, model_provider):
            return Choice(None, model, kwargs, alias, model_provider)
        raise ProviderError(
            _unknown(registry, model, model_provider, source(), settings)
        )
    provider = registry.get(prefix)
    if provider is None:
        reason = registry.unavailable(prefix) or "unavailable"
        raise ProviderError(
            f"Provider {prefix!r} (for {model!r}{source()}) is {reason}."
        )
    if provider.models and name not in provider.models:
        hint = nearest(name, provider.models)
        raise ProviderError(
            f"Provider {prefix!r} has no model {name!r}{source()}."
            + (f" Did you mean {prefix}:{hint}?" if hint else "")
            + f" Its models: {', '.join(provider.models)}."
        )
    return Choice(provider, name, kwargs, alias)


def _langchain_resolves(model: str, model_provider: str | None) -> bool:
    """Whether LangChain's `init_chat_model` knows a provider for this model.

    Asked through LangChain's private provider table and inference helper, so its
    30-provider message never answers a typo of ours; if those internals change,
    LangChain is asked anyway and answers as it would.
    """
    try:
        from langchain.chat_models import base
    except ImportError:
        return False
    table = getattr(base, "_BUILTIN_PROVIDERS", None)
    infer = getattr(base, "_attempt_infer_model_provider", None)
    if not isinstance(table, dict) or not callable(infer):
        return True
    head, sep, _ = model.partition(":")
    provider = model_provider or (head if sep and head in table else None)
    provider = provider or infer(model)
    if not isinstance(provider, str):
        return False
    entry = table.get(provider.replace("-", "_").lower())
    # Our own entries (the bridge) lead back here: they are not LangChain's.
    return entry is not None and not isinstance(entry[-1], bridge_creator)


def _unknown(
    registry: Registry,
    model: str,
    model_provider: str | None,
    source: str,
    settings: ParallelSettings,
) -> str:
    catalogue = registry.catalogue()
    if model_provider is None and model in catalogue:
        models = ", ".join(catalogue[model])
        return (
            f"{model!r}{source} is a provider, not a model: write "
            f"'{model}:<model>'"
            + (f" (its models: {models})." if models else ", any model name.")
        )
    head, sep, _ = model.partition(":")
    asked = model_provider or (head if sep else None)
    if asked is not None:
        hint = nearest(asked, catalogue)
        problem = f"No installed provider is called {asked!r}{source}."
    else:
        names = [*settings.models, *catalogue]
        names += [m for models in catalogue.values() for m in models]
        hint = nearest(model, names)
        problem = f"Unknown model or alias {model!r}{source}."
    described = "; ".join(
        f"{name} ({', '.join(models) or 'any model name'})"
        for name, models in catalogue.items()
    )
    aliases = ", ".join(settings.models)
    return (
        problem
        + (f" Did you mean {hint!r}?" if hint else "")
        + (f" Aliases in {settings.config_file}: {aliases}." if aliases else "")
        + f" Providers and their models: {described or 'none'}."
        + " Use '<provider>:<model>', e.g. 'parallel:speed'"
        + (
            "."
            if _has_langchain()
            else "; `pip install langchain` reaches LangChain's own providers as well."
        )
    )


def _has_langchain() -> bool:
    try:
        import langchain.chat_models  # noqa: F401
    except ImportError:
        return False
    return True


def build_tool(name: str, overrides: dict[str, Any]) -> Any:
    """`registry.load_tool`: a tool by address or `[tools.<alias>]`, or an error."""
    settings = load_settings()
    alias = settings.tools.get(name)
    address, arguments = name, dict(overrides)
    if alias is not None:
        address = alias["tool"]
        arguments = {**{k: v for k, v in alias.items() if k != "tool"}, **overrides}
    registry = get_registry()
    tool = registry.get_tool(address)
    if tool is None:
        raise ProviderError(_unknown_tool(registry, name, address, settings.tools))
    entry = None
    if alias is not None:
        where = f"tools.{name} in {settings.config_file}"
        entry = (where, frozenset(alias) - set(overrides))
    try:
        with building(settings, entry):
            built = tool.create(**arguments)
        _refuse_dropped(built, arguments)
    except (ConfigError, TypeError, ValueError) as exc:
        if alias is None:
            raise
        raise ConfigError(
            f"Config file {settings.config_file}, [tools.{name}]: {exc}"
        ) from exc
    return built


def _refuse_dropped(tool: Any, arguments: dict[str, Any]) -> None:
    """Refuse arguments a tool's pydantic model ignored rather than took.

    LangChain tools ignore unknown keyword arguments by default, so a misspelled
    config-file key would vanish. Tools with their own `__init__` may take
    arguments that are not fields; they are trusted to check for themselves.
    """
    from langchain_core.tools import BaseTool

    cls = type(tool)
    if not isinstance(tool, BaseTool) or any(
        "__init__" in vars(k) for k in cls.__mro__[: cls.__mro__.index(BaseTool)]
    ):
        return
    fields = cls.model_fields
    accepted = set(fields) | {f.alias for f in fields.values() if f.alias}
    unknown = sorted(set(arguments) - accepted)
    if unknown:
        hint = nearest(unknown[0], accepted)
        raise ConfigError(
            f"{cls.__name__} takes no argument {unknown[0]!r}"
            + (f"; did you mean {hint!r}?" if hint else ".")
        )


def _unknown_tool(
    registry: Registry, name: str, address: str, aliases: dict[str, Any]
) -> str:
    prefix = address.partition(":")[0]
    reason = registry.unavailable(prefix) if ":" in address else None
    if reason is not None:
        return f"Tool {address!r} is unavailable: provider {prefix!r} is {reason}."
    tools = registry.list_tools()
    hint = nearest(name, [*tools, *aliases])
    return (
        f"Unknown tool {name!r}."
        + (f" Did you mean {hint!r}?" if hint else "")
        + f" Tools: {', '.join(tools) or 'none'}."
        + (f" Aliases: {', '.join(sorted(aliases))}." if aliases else "")
        + " Name one as '<provider>:<tool>', or add [tools.<alias>] to the "
        "config file."
    )
