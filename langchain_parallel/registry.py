"""The provider registry: pluggy plugins for chat models and tools, loaded on use.

Nothing is scanned or imported when `langchain_parallel` is imported. On first use
the registry registers the built-in providers (`langchain_parallel._provider`)
with its `pluggy.PluginManager` directly, as `llm` does with its default plugins,
so a source checkout without installed metadata still has `parallel`; it then
reads the entry points of `langchain_parallel.providers` once. Resolving a name
imports only the plugin whose entry point has that name.

Rules:

- A plugin that fails to load (import error, a failing hook, no provider under its
  entry point's name) is unregistered and skipped with a `ProviderPluginWarning`
  naming its entry point and distribution; with `PARALLEL_STRICT_PLUGINS=1` it
  raises `PluginLoadError` instead.
- When several distributions claim one provider name, the built-in provider wins,
  then the distribution whose name sorts first; the others are named in a warning
  and never imported.
- `PARALLEL_DISABLED_PROVIDERS` hides providers and `PARALLEL_ENABLED_PROVIDERS`,
  when set, allows only those (JSON lists or comma-separated names). Their plugin
  names are blocked in the plugin manager, so a disabled plugin is never imported.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import import_module, metadata
from pathlib import Path
from typing import Any, Literal

import pluggy

from langchain_parallel._hints import warn_at_caller
from langchain_parallel._settings import load_settings
from langchain_parallel.errors import PluginLoadError
from langchain_parallel.hookspecs import (
    ENTRY_POINT_GROUP,
    PROJECT,
    Provider,
    ProviderSpec,
    ToolProvider,
)

BUILTIN = "langchain_parallel._provider"
"""The module of the built-in providers, and its plugin name in the manager."""


@dataclass(frozen=True)
class Alias:
    """A config-file alias: a named model or tool with default arguments."""

    name: str
    kind: Literal["model", "tool"]
    target: str
    """What it names: `"parallel:core"`, `"parallel:search"`."""
    arguments: dict[str, Any] = field(default_factory=dict)
    config_file: Path | None = None
    """The file it was read from."""


class ProviderPluginWarning(UserWarning):
    """A provider plugin was skipped, or lost a name clash."""


def _dist_name(entry_point: metadata.EntryPoint) -> str:
    dist = entry_point.dist
    return dist.name if dist is not None else "<unknown distribution>"


class Registry:
    """Chat-model and tool providers by name, from the built-in module and plugins."""

    def __init__(
        self,
        entry_points: Iterable[metadata.EntryPoint] | None = None,
        *,
        strict: bool | None = None,
        disabled: Iterable[str] | None = None,
        enabled: Iterable[str] | None = None,
    ) -> None:
        """Build an empty registry; nothing is scanned or loaded until first use.

        Args:
            entry_points: The plugins to consider (tests); default: the installed
                entry points of `langchain_parallel.providers`.
            strict: Raise `PluginLoadError` for a broken plugin instead of warning.
            disabled: Provider names to hide.
            enabled: When given, the only provider names allowed.

        Each option left `None` comes from the settings on first use.

        """
        self._given = list(entry_points) if entry_points is not None else None
        self._options: dict[str, Any] = {
            "strict": strict,
            "disabled": set(disabled) if disabled is not None else None,
            "enabled": set(enabled) if enabled is not None else None,
        }
        self._configured = False
        self._builtin_names: frozenset[str] | None = None
        self._winners: dict[str, metadata.EntryPoint] | None = None
        self._providers: dict[str, Provider] = {}
        self._tools: dict[str, ToolProvider] = {}
        self._failed: dict[str, str] = {}
        self._manager = pluggy.PluginManager(PROJECT)
        self._manager.add_hookspecs(ProviderSpec)
        self._lock = threading.RLock()

    # --- configuration, read on first use --------------------------------------

    def _configure(self) -> None:
        if self._configured:
            return
        with self._lock:
            if not self._configured:
                self._read_options()
                self._configured = True

    def _read_options(self) -> None:
        options = self._options
        if any(value is None for value in options.values()):
            settings = load_settings()
            if options["strict"] is None:
                options["strict"] = settings.strict_plugins
            if options["disabled"] is None:
                options["disabled"] = set(settings.disabled_providers)
            if options["enabled"] is None and settings.enabled_providers is not None:
                options["enabled"] = set(settings.enabled_providers)
        for name in options["disabled"]:
            self._manager.set_blocked(name)

    def _allowed(self, name: str) -> bool:
        self._configure()
        enabled = self._options["enabled"]
        if enabled is not None and name not in enabled:
            return False
        return name not in self._options["disabled"]

    def unavailable(self, name: str) -> str | None:
        """Why the provider `name` cannot be used, or None if it can (or is unknown).

        Returns a phrase such as `"disabled by PARALLEL_DISABLED_PROVIDERS"` or
        `"failed to load: ..."`, for error messages.
        """
        if not self.claimed(name):
            return None
        self._configure()  # the options are read from settings on first use
        if name in self._options["disabled"]:
            return "disabled by PARALLEL_DISABLED_PROVIDERS"
        if not self._allowed(name):
            return "not listed in PARALLEL_ENABLED_PROVIDERS"
        if self.get(name) is None and name in self._failed:
            return f"failed to load: {self._failed[name]}"
        return None

    # --- discovery ---------------------------------------------------------------

    def _register_builtin(self) -> frozenset[str]:
        if self._builtin_names is None:
            plugin = import_module(BUILTIN)
            self._manager.register(plugin, name=BUILTIN)
            self._builtin_names = self._record(plugin, claimed=None)
        return self._builtin_names

    def _scan(self) -> dict[str, metadata.EntryPoint]:
        if self._winners is None:
            builtin = self._register_builtin()
            found = (
                self._given
                if self._given is not None
                else metadata.entry_points(group=ENTRY_POINT_GROUP)
            )
            claims: dict[str, dict[tuple[str, str], metadata.EntryPoint]] = {}
            for entry_point in found:
                if entry_point.value == BUILTIN:
                    continue  # our own entry points: registered directly already
                # One distribution found twice on sys.path is not a name clash.
                key = (entry_point.value, _dist_name(entry_point))
                claims.setdefault(entry_point.name, {}).setdefault(key, entry_point)
            winners: dict[str, metadata.EntryPoint] = {}
            for name, by_dist in sorted(claims.items()):
                ordered = sorted(by_dist.values(), key=_dist_name)
                if name not in builtin:
                    winners[name] = ordered[0]
                self._warn_clash(name, ordered, name in builtin)
                if not self._allowed(name):
                    self._manager.set_blocked(name)
            self._winners = winners
        return self._winners

    def _warn_clash(
        self, name: str, claims: list[metadata.EntryPoint], builtin: bool
    ) -> None:
        if builtin:
            used, ignored = "langchain-parallel (built in)", claims
        elif len(claims) > 1:
            used, ignored = _dist_name(claims[0]), claims[1:]
        else:
            return
        losers = ", ".join(_dist_name(ep) for ep in ignored)
        warn_at_caller(
            f"Provider {name!r} is registered by several distributions: {used} "
            f"(used) and {losers} (ignored). Uninstall one, or disable it with "
            "PARALLEL_DISABLED_PROVIDERS.",
            ProviderPluginWarning,
        )

    def claimed(self, name: str) -> bool:
        """Whether the built-in module or an installed plugin claims `name`.

        Decided from entry-point names: no third-party plugin is imported.
        """
        with self._lock:
            claims = self._scan()  # scanned even for built-in names: clashes warn
            return name in claims or name in self._register_builtin()

    # --- loading -----------------------------------------------------------------

    def _ensure(self, name: str) -> None:
        """Load the plugin behind `name` unless done; failures are isolated."""
        if name in self._register_builtin():
            return
        entry_point = self._scan().get(name)
        if entry_point is None or name in self._failed:
            return
        if self._manager.is_blocked(name) or self._owned(name):
            return
        origin = (
            f"entry point {name!r} ({entry_point.value}) of {_dist_name(entry_point)}"
        )
        plugin: object = None
        try:
            plugin = entry_point.load()
            if not self._manager.is_registered(plugin):
                self._manager.register(plugin, name=name)
                claimed = {
                    n for n, ep in self._scan().items() if ep.value == entry_point.value
                }
                self._record(plugin, claimed)
            if not self._owned(name):
                raise LookupError(self._mismatch(plugin, name))
        except Exception as exc:  # an isolated plugin failure, reported below
            if plugin is not None and self._manager.get_name(plugin) == name:
                self._manager.unregister(plugin)
            reason = f"{type(exc).__name__}: {exc}"
            self._failed[name] = reason
            message = f"Skipped provider plugin {origin}: {reason}"
            if self._options["strict"]:
                raise PluginLoadError(message) from exc
            warn_at_caller(message, ProviderPluginWarning)

    def _owned(self, name: str) -> bool:
        return name in self._providers or any(
            tool.provider == name for tool in self._tools.values()
        )

    def _mismatch(self, plugin: object, name: str) -> str:
        offered = [p.name for p in self._call(plugin, "chat_model_providers")]
        offered += [t.provider for t in self._call(plugin, "tool_providers")]
        if not offered:
            return "it implements neither chat_model_providers nor tool_providers"
        return f"it offers providers {sorted(set(offered))}, none named {name!r}"

    def _call(self, plugin: object, hook: str) -> list[Any]:
        """Call `hook` of one registered plugin only, through the plugin manager."""
        others = [p for p in self._manager.get_plugins() if p is not plugin]
        caller = self._manager.subset_hook_caller(hook, remove_plugins=others)
        return [item for offered in caller() for item in offered]

    def _record(self, plugin: object, claimed: set[str] | None) -> frozenset[str]:
        """Keep what `plugin` offers under the names it claims (None: any).

        Disabled providers are kept too, so errors can say that they are disabled;
        lookups filter them.
        """
        providers = self._call(plugin, "chat_model_providers")
        tools = self._call(plugin, "tool_providers")  # both called before any is kept
        names: set[str] = set()
        for provider in providers:
            if claimed is None or provider.name in claimed:
                names.add(provider.name)
                self._providers.setdefault(provider.name, provider)
        for tool in tools:
            if claimed is None or tool.provider in claimed:
                names.add(tool.provider)
                self._tools.setdefault(tool.address, tool)
        return frozenset(names)

    # --- lookups -----------------------------------------------------------------

    def names(self) -> list[str]:
        """Every allowed provider name claimed by the built-in module or a plugin."""
        with self._lock:
            claimed = set(self._register_builtin()) | set(self._scan())
        return sorted(name for name in claimed if self._allowed(name))

    def get(self, name: str) -> Provider | None:
        """The chat-model provider `name`, loading its plugin if needed; else None."""
        if not self._allowed(name):
            return None
        provider = self._providers.get(name)
        if provider is None:
            with self._lock:
                self._ensure(name)
                provider = self._providers.get(name)
        return provider

    def provider_of(self, model: str) -> str | None:
        """The provider that lists the bare model name `model`, or None.

        The built-in providers are asked first, then plugins, loaded one at a time
        until one lists it. A disabled provider that lists it is named too, so the
        error can say it is disabled.
        """
        with self._lock:
            order = [*sorted(self._register_builtin()), *sorted(self._scan())]
            for name in order:
                if self._allowed(name):
                    self._ensure(name)
                provider = self._providers.get(name)
                if provider is not None and model in provider.models:
                    return name
        return None

    def get_tool(self, address: str) -> ToolProvider | None:
        """The tool `"<provider>:<tool>"`, loading its plugin if needed; else None."""
        prefix = address.partition(":")[0]
        if not self._allowed(prefix):
            return None
        tool = self._tools.get(address)
        if tool is None:
            with self._lock:
                self._ensure(prefix)
                tool = self._tools.get(address)
        return tool

    def list_providers(self) -> list[str]:
        """The chat-model providers that resolve now (loads every plugin, isolated)."""
        return [name for name in self.names() if self.get(name) is not None]

    def list_tools(self) -> list[str]:
        """Every tool as `"<provider>:<tool>"` (loads every plugin, isolated)."""
        with self._lock:
            names = self.names()
            for name in names:
                self._ensure(name)
            return sorted(a for a, t in self._tools.items() if t.provider in names)

    def catalogue(self) -> dict[str, tuple[str, ...]]:
        """Each resolving provider and the models it lists (loads every plugin)."""
        return {
            name: tuple(provider.models)
            for name in self.list_providers()
            if (provider := self.get(name)) is not None
        }


_registry: Registry | None = None
_registry_lock = threading.Lock()


def get_registry() -> Registry:
    """The process-wide registry, built on first use."""
    global _registry
    if _registry is None:
        with _registry_lock:
            if _registry is None:
                _registry = Registry()
    return _registry


def reset_registry(registry: Registry | None = None) -> None:
    """Forget loaded plugins (tests), or install `registry` in place of the default."""
    global _registry
    with _registry_lock:
        _registry = registry


def list_providers() -> list[str]:
    """Names of the providers that resolve right now, e.g. `["fake", "parallel"]`."""
    return get_registry().list_providers()


def list_tools() -> list[str]:
    """Tools the providers offer, as `"<provider>:<tool>"`, e.g. `"parallel:search"`."""
    return get_registry().list_tools()


def load_tool(name: str, **overrides: Any) -> Any:
    """Build a tool by name (`"parallel:search"`) or config-file alias (`"news"`).

    Args:
        name: `"<provider>:<tool>"`, or an alias from the config file's
            `[tools.<alias>]` tables (`tool = "parallel:search"` plus defaults).
        overrides: Keyword arguments for the tool; they beat the alias's defaults,
            which beat the environment and the config file's top level.

    Returns:
        The LangChain tool.

    Raises:
        ProviderError: No provider offers that tool; the message lists the tools
            and aliases there are, and the nearest match.
        ConfigError: A bad `[tools.<alias>]` entry; the message names file and key.

    """
    from langchain_parallel._resolve import build_tool

    return build_tool(name, overrides)


def aliases() -> list[Alias]:
    """The config file's model and tool aliases: what each names, and where.

    For tools that describe the configuration, such as `parallel-chat`.
    """
    settings = load_settings()
    tables: tuple[tuple[Literal["model", "tool"], dict[str, Any]], ...] = (
        ("model", settings.models),
        ("tool", settings.tools),
    )
    return [
        Alias(
            name=alias,
            kind=kind,
            target=entry[kind],
            arguments={k: v for k, v in entry.items() if k != kind},
            config_file=settings.config_file,
        )
        for kind, table in tables
        for alias, entry in table.items()
    ]
